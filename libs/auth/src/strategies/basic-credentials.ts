/** A user-id/password pair read from an `Authorization: Basic` header. */
export interface BasicCredentials {
  username: string;
  password: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes the credentials of a Basic header (RFC 7617): base64 of `user-id ":" password` in UTF-8,
 * split at the first colon. Returns null when they are malformed (bad base64, invalid UTF-8, no colon).
 * Hand-written because the Passport Basic strategy (passport-http) has been unmaintained since 2015.
 */
export function decodeBasicCredentials(credentials: string): BasicCredentials | null {
  if (credentials.length === 0 || !BASE64.test(credentials)) return null;
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(credentials, 'base64'));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
