import { AuthErrorCode } from '../errors/auth-error-code.js';
import type { AuthException } from '../errors/auth.exception.js';
import type { AuthRequest } from './credential-strategy.interface.js';

/** The `Authorization` header's scheme (lower-cased) and credentials, or undefined when absent. */
export function readAuthorization(
  request: AuthRequest,
): { scheme: string; credentials: string } | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:[ \t]+(.*))?$/s.exec(header.trim());
  if (!match) return undefined;
  return { scheme: match[1].toLowerCase(), credentials: (match[2] ?? '').trim() };
}

/** Quotes a value for an auth-param (RFC 9110 quoted-string). */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;
}

/** The RFC 6750 `error` of each failure a Bearer challenge describes. */
const BEARER_ERRORS = new Map<string, string>([
  [AuthErrorCode.InvalidToken, 'invalid_token'],
  [AuthErrorCode.TokenExpired, 'invalid_token'],
  [AuthErrorCode.TokenRevoked, 'invalid_token'],
  // A refresh token is a bearer credential too: the client must get a new one by logging in.
  [AuthErrorCode.InvalidGrant, 'invalid_token'],
  [AuthErrorCode.InvalidRequest, 'invalid_request'],
]);

/**
 * The RFC 6750 Bearer challenge, with `error="invalid_token"` and a description when `failure` is a bad,
 * expired or revoked token (or refresh token), `error="invalid_request"` when it is a malformed
 * header. JWTs and API keys share it.
 */
export function bearerChallenge(realm: string, failure?: AuthException): string {
  const challenge = `Bearer realm=${quoted(realm)}`;
  const error = failure && BEARER_ERRORS.get(failure.code);
  return error
    ? `${challenge}, error="${error}", error_description=${quoted(failure.message)}`
    : challenge;
}

/** The RFC 6750 challenge of a 403 for a credential whose scopes lack `scopes`. */
export function insufficientScopeChallenge(realm: string, scopes: readonly string[]): string {
  return `Bearer realm=${quoted(realm)}, error="insufficient_scope", scope=${quoted(scopes.join(' '))}`;
}

const BEARER_SCHEME = /^bearer(?:[ \t]|$)/i;
const BEARER_CREDENTIALS = /^bearer +[A-Za-z0-9\-._~+/]+=*$/i;

/**
 * True when an `Authorization` value uses the Bearer scheme but is not `Bearer` followed by exactly
 * one b64token (RFC 6750 section 2.1): no token, two tokens, characters outside the b64token set.
 */
export function isMalformedBearer(authorization: unknown): boolean {
  return (
    typeof authorization === 'string' &&
    BEARER_SCHEME.test(authorization) &&
    !BEARER_CREDENTIALS.test(authorization)
  );
}
