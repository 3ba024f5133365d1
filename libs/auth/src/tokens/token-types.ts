/** The `typ` claim of an access token. */
export const ACCESS_TOKEN_TYPE = 'access';

/** The `typ` claim of a refresh token. Neither kind is ever accepted in the other's place. */
export const REFRESH_TOKEN_TYPE = 'refresh';

/**
 * True when an access token's `iat` and `exp` could have come from this server: `iat` not before the
 * epoch nor more than `leeway` seconds ahead of `nowSeconds`, and `exp - iat` at most `longest`
 * seconds (`accessTokenTtl` + leeway). Bounding the lifetime bounds how long a revoked session's
 * tokens can verify, which is how long RevokedSessionRegistry remembers the session. Written so that
 * NaN and Infinity fail. Internal.
 */
export function accessTokenTimesAreSound(
  claims: Record<string, unknown>,
  longest: number,
  leeway: number,
  nowSeconds: number,
): boolean {
  const { iat, exp } = claims;
  return (
    typeof iat === 'number' &&
    typeof exp === 'number' &&
    iat >= 0 &&
    exp - iat <= longest &&
    iat <= nowSeconds + leeway
  );
}
