import type { ApiKeyInfo } from '../api-keys/api-key.service.js';
import type { AccessTokenInfo } from '../backends/jwt.backend.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import type { BrowserSessionInfo } from '../backends/browser-session.backend.js';
import type { RequestUser } from '../users/request-user.js';
import type { BasicLoginInfo } from './basic.strategy.js';
import type { PasswordLoginInfo } from './password.strategy.js';

/**
 * Names the `request.authInfo` of an application's own strategies, so that {@link AuthInfo} covers
 * them: one entry per strategy, keyed by its `strategyName`, whose type has `strategy` set to it.
 *
 * @example
 * ```ts
 * declare module 'portcullis' {
 *   interface PortcullisAuthInfoRegistry {
 *     'signed-request': { strategy: 'signed-request'; keyId: string };
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- augmented by the app
export interface PortcullisAuthInfoRegistry {}

/**
 * What `request.authInfo` holds once a Portcullis guard let a request in: what the deciding strategy
 * says about the credential, told apart by `strategy`.
 *
 * @example
 * ```ts
 * @Get('whoami')
 * whoami(@Req() request: AuthenticatedRequest) {
 *   const info = request.authInfo;
 *   if (info.strategy === 'api-key') return { key: info.keyId, scopes: info.scopes };
 *   if (info.strategy === 'jwt') return { session: info.sessionId };
 *   return { strategy: info.strategy };
 * }
 * ```
 */
export type AuthInfo =
  | AccessTokenInfo
  | ApiKeyInfo
  | BrowserSessionInfo
  | BasicLoginInfo
  | PasswordLoginInfo
  | PortcullisAuthInfoRegistry[keyof PortcullisAuthInfoRegistry];

/**
 * A request a Portcullis guard let in: its user ({@link RequestUser}) and {@link AuthInfo}. Type a
 * handler's `@Req()` with it on guarded routes.
 */
export interface AuthenticatedRequest extends AuthRequest {
  user: RequestUser;
  authInfo: AuthInfo;
}

/** The {@link AuthInfo} of a request, or undefined before a guard authenticated it. */
export function authInfoOf(request: AuthRequest): AuthInfo | undefined {
  return request.authInfo as AuthInfo | undefined;
}
