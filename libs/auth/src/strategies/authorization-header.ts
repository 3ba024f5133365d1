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

const BAD_TOKEN_CODES = new Set<string>([
  AuthErrorCode.InvalidToken,
  AuthErrorCode.TokenExpired,
  AuthErrorCode.TokenRevoked,
]);

/**
 * The RFC 6750 Bearer challenge, with `error="invalid_token"` and a description when `failure` is a bad,
 * expired or revoked token. JWTs and API keys share it.
 */
export function bearerChallenge(realm: string, failure?: AuthException): string {
  const challenge = `Bearer realm=${quoted(realm)}`;
  return failure && BAD_TOKEN_CODES.has(failure.code)
    ? `${challenge}, error="invalid_token", error_description=${quoted(failure.message)}`
    : challenge;
}
