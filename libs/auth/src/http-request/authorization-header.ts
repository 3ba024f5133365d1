import type { AuthRequest } from './auth-request.js';

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

const BEARER_PREFIX = /^Bearer /i;
const BEARER_PREFIX_LENGTH = 'Bearer '.length;
const SPACE = 0x20;

/**
 * What follows `Bearer` and its spaces in an `Authorization` value (RFC 6750 2.1: `Bearer 1*SP
 * b64token`), or undefined when the value does not use the Bearer scheme that way. The rest is not
 * checked here: a caller that recognises it (a token verified before, a key with its prefix) has
 * checked it already, and one that does not asks {@link isMalformedBearer}, so the usual request
 * never scans its token twice.
 */
export function bearerCredential(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string' || !BEARER_PREFIX.test(authorization)) return undefined;
  let start = BEARER_PREFIX_LENGTH;
  while (authorization.charCodeAt(start) === SPACE) start++;
  return authorization.slice(start);
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * True when `credential` is one b64token (RFC 6750 2.1): what a well-formed `Authorization: Bearer`
 * value holds after {@link bearerCredential}.
 */
export function isB64Token(credential: string): boolean {
  return B64TOKEN.test(credential);
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
