import { AuthErrorCode } from '../errors/auth-error-code.js';
import type { AuthException } from '../errors/auth.exception.js';

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
