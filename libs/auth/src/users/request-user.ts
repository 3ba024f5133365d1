import type { AuthUser } from './auth-user.interface.js';

/**
 * Names the app's user entity, for the types of `request.user`: an app augments it once, and
 * {@link RequestUser} becomes that entity everywhere (with `import 'portcullis/augment'`, Express'
 * `request.user` too). Empty by default, which leaves {@link RequestUser} as {@link AuthUser}.
 *
 * @example
 * ```ts
 * declare module 'portcullis' {
 *   interface PortcullisUserRegistry {
 *     user: Account;
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- augmented by the app
export interface PortcullisUserRegistry {}

/**
 * The type of the authenticated user on a request: the entity an app names in
 * {@link PortcullisUserRegistry}, or {@link AuthUser} when it names none. A parameter decorator cannot
 * type its parameter, so write it where the user arrives: `@CurrentUser() user: RequestUser`.
 */
export type RequestUser = PortcullisUserRegistry extends { user: infer U extends object }
  ? U
  : AuthUser;
