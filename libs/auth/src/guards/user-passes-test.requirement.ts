import type { AuthRequest } from '../http-request/auth-request.js';
import type { RequestUser } from '../users/request-user.js';

/**
 * A test of the authenticated user, for {@link UserPassesTest}: the request goes through only when
 * it returns (or resolves to) exactly `true`. It gets the user on the request and the request itself
 * (`request.authInfo` says how the user authenticated). An exception it throws is answered as an
 * error of the app (500; 503 when it is a database or Redis outage), never as a pass.
 *
 * @example
 * ```ts
 * const isEditor: UserPredicate<Account> = (account) => account.role === 'editor';
 * ```
 */
export type UserPredicate<U extends object = RequestUser> = (
  user: U,
  request: AuthRequest,
) => boolean | Promise<boolean>;

/** Options of {@link UserPassesTest}: how a caller who may not pass is answered. */
export interface UserPassesTestOptions {
  /**
   * The `message` of the 403 `insufficient_permissions` for a user who fails the test.
   * @default 'You are not allowed to do this.'
   */
  message?: string;
  /**
   * Refuses every request authenticated by an API key, scoped or not, before the test runs (403
   * `insufficient_permissions`, an `ApiKeyRefusedException`): for routes a script must never reach,
   * such as managing accounts. Without it an unscoped key is tested like its owner; a key restricted
   * by scopes is refused either way.
   * @default false
   */
  refuseApiKeys?: boolean;
  /**
   * The `message` of the 403 for an API key refused by `refuseApiKeys`.
   * @default 'API keys cannot use this route; log in instead.'
   */
  apiKeyRefusalMessage?: string;
}

/**
 * One test of a route, as `@UserPassesTest()` stores it under {@link USER_PASSES_TEST_KEY} and
 * `UserPassesTestGuard` checks it. A subclass of the guard with a fixed test returns one of these.
 *
 * @example
 * ```ts
 * const editorsOnly: UserPassesTestRequirement = { test: isEditor, message: 'Editors only.' };
 * ```
 */
export interface UserPassesTestRequirement extends UserPassesTestOptions {
  /**
   * The test the user must pass. Written as a method so that a test typed for the app's own user
   * entity (`(user: Account) => ...`) fits without a cast: TypeScript compares method parameters
   * both ways.
   */
  test(user: RequestUser, request: AuthRequest): boolean | Promise<boolean>;
}
