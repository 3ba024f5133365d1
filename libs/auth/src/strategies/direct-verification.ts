/**
 * The bearer token passport-http-bearer reads from an `Authorization` value, or undefined where it
 * fails the request instead: not exactly two space-separated parts, a scheme other than `Bearer` (in
 * any case), or nothing after it. Portcullis' direct path must see the same token Passport would.
 */
export function passportBearerToken(authorization: unknown): string | undefined {
  // passport-http-bearer splits on ' ' and wants two parts, the first /^Bearer$/i: that is this
  // prefix followed by no other space, without the array and strings a split makes per request.
  if (typeof authorization !== 'string' || !BEARER_PREFIX.test(authorization)) return undefined;
  if (authorization.indexOf(' ', BEARER_PREFIX_LENGTH) !== -1) return undefined;
  return authorization.slice(BEARER_PREFIX_LENGTH) || undefined;
}

const BEARER_PREFIX = /^Bearer /i;
const BEARER_PREFIX_LENGTH = 'Bearer '.length;

/**
 * True when `strategy` runs `base`'s own Passport hooks (`authenticate()` and `validate()`). A
 * subclass that overrides either one must go through Passport's protocol, so that its code runs.
 */
export function runsOwnPassportHooks(
  strategy: { authenticate: unknown; validate: unknown },
  base: { prototype: { authenticate: unknown; validate: unknown } },
): boolean {
  return (
    strategy.authenticate === base.prototype.authenticate &&
    strategy.validate === base.prototype.validate
  );
}
