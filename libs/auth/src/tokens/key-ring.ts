import { Inject, Injectable } from '@nestjs/common';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { LRUCache } from 'lru-cache';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedJwtOptions } from '../options/jwt-options.resolver.js';
import { InvalidTokenException, TokenExpiredException } from '../errors/auth.exception.js';
import type { ResolvedJwtKey } from './jwt-keys.js';
import { ACCESS_TOKEN_TYPE, accessTokenTimesAreSound } from './token-types.js';
import { AuthConfigurationError } from '../errors/auth.exception.js';

/** A JSON Web Key Set (RFC 7517), as served at `/.well-known/jwks.json`. */
export interface JsonWebKeySet {
  keys: JsonWebKey[];
}

type Verify = (token: string) => Record<string, unknown>;

/** The form of a key fast-jwt takes: raw secret bytes, or a PEM string. */
function keyMaterial(key: KeyObject): Buffer | string {
  if (key.type === 'secret') return key.export();
  if (key.type === 'private') return key.export({ type: 'pkcs8', format: 'pem' }) as string;
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A compact JWS: three base64url segments. */
const COMPACT_JWS_SHAPE = /^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * What a verified token is remembered under: its last 43 characters (all of an HS256 signature, the
 * end of any other), so a lookup does not hash the whole token string, hundreds of characters, on
 * every request; a hit still compares the whole token.
 */
function rememberedUnder(token: string): string {
  return token.length > 43 ? token.slice(-43) : token;
}

/**
 * The decoded JOSE header of a compact token, or undefined when it is not one. Header and payload must
 * be valid UTF-8 (RFC 7515 5.2, RFC 7519 7.2): lenient decoding would turn bad bytes into U+FFFD and
 * let two different byte strings read as the same claims.
 */
function readHeader(token: string): Record<string, unknown> | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second < 0) return undefined;
  try {
    const header: unknown = JSON.parse(
      strictUtf8.decode(Buffer.from(token.slice(0, first), 'base64url')),
    );
    strictUtf8.decode(Buffer.from(token.slice(first + 1, second), 'base64url'));
    return typeof header === 'object' && header !== null && !Array.isArray(header)
      ? (header as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function refuseToSign(): never {
  throw new AuthConfigurationError([
    "This key ring verifies only (mode 'resource-server'): tokens are signed by the issuer.",
  ]);
}

/**
 * The JWT keys: one signs, all verify, each with one algorithm (`none` never). Keys are built once at
 * boot. The `kid` header picks the key; `jku`, `x5u` and embedded `jwk` headers are never followed.
 * Verification uses fast-jwt, the fastest of the JWT libraries measured (bench/README.md), with EdDSA,
 * which jsonwebtoken lacks. A bounded cache of
 * verified tokens, keyed by the exact token string and held until the token's `exp`, makes a token seen
 * before cost one lookup; what the cache returns is only the signature check; revocation and the user
 * are still checked on every request by the caller.
 */
@Injectable()
export class KeyRing {
  private readonly verifiers = new Map<string, Verify>();
  private readonly signer: (payload: Record<string, unknown>) => string;
  private readonly onlyKid: string | undefined;
  /** Payloads of tokens already verified, for the exact token string, until their `exp` (+ leeway). */
  private readonly verified = new LRUCache<
    string,
    { token: string; claims: Record<string, unknown>; until: number }
  >({
    max: 10_000,
  });
  /** The key that signs new tokens. */
  readonly signingKey: ResolvedJwtKey;

  constructor(@Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedJwtOptions) {
    const { keys, signingKey, issuer, audience, leeway } = options.jwt;
    for (const key of keys) {
      this.verifiers.set(
        key.kid,
        createVerifier({
          key: keyMaterial(key.verifyKey),
          algorithms: [key.algorithm],
          allowedIss: issuer,
          allowedAud: audience,
          clockTolerance: leeway * 1000,
          requiredClaims: ['exp', 'iat', 'iss', 'aud', 'sub', 'jti'],
          // Verified tokens are cached below, keyed by the raw token, before any parsing.
          cache: false,
        }) as Verify,
      );
    }
    // After every key's own kid, so that an old default kid never displaces a key's current one.
    for (const key of keys) {
      for (const kid of key.legacyKids ?? []) {
        if (!this.verifiers.has(kid)) this.verifiers.set(kid, this.verifiers.get(key.kid)!);
      }
    }
    this.onlyKid = keys.length === 1 ? keys[0].kid : undefined;
    this.signingKey = signingKey;
    // A resource server's ring holds no signing key: it verifies another server's tokens only.
    this.signer = signingKey.signKey
      ? (createSigner({
          key: keyMaterial(signingKey.signKey),
          algorithm: signingKey.algorithm,
          kid: signingKey.kid,
          iss: issuer,
          aud: audience,
        }) as (payload: Record<string, unknown>) => string)
      : refuseToSign;
  }

  /**
   * Signs claims with the signing key (adds `iat`, `iss`, `aud` and the `kid` header).
   *
   * @throws AuthConfigurationError on a resource server (`mode: 'resource-server'`), which signs nothing.
   */
  sign(claims: Record<string, unknown>): string {
    return this.signer(claims);
  }

  /**
   * Verifies a token's signature and its `exp`, `nbf`, `iat`, `iss` and `aud` (with the leeway), with
   * the key its `kid` names. Tokens without `kid` are accepted only when the ring has a single key.
   *
   * @throws TokenExpiredException for a well-signed token past its `exp`; InvalidTokenException for
   * anything else.
   */
  verify(token: string): Record<string, unknown> {
    const claims = this.verifyIfJws(token);
    if (claims === undefined) throw new InvalidTokenException();
    return claims;
  }

  /**
   * {@link KeyRing.verify} for a credential that may be another kind (an API key in the same
   * `Authorization: Bearer` header): undefined when it is not a compact JWS, which a bearer strategy
   * reads as "not mine". A token verified before is answered from a bounded cache of verified
   * signatures (the same frozen claims each time, until its `exp` + leeway), so the usual request
   * costs one lookup and no scan of its token.
   *
   * @throws TokenExpiredException, InvalidTokenException, as {@link KeyRing.verify}
   */
  verifyIfJws(token: string): Record<string, unknown> | undefined {
    const key = rememberedUnder(token);
    const seen = this.verified.get(key);
    if (seen !== undefined && seen.token === token) {
      if (Date.now() <= seen.until) return seen.claims;
      this.verified.delete(key);
      throw new TokenExpiredException();
    }
    if (!COMPACT_JWS_SHAPE.test(token)) return undefined;
    const claims = this.verifyUncached(token);
    // Checked before the token is remembered, so a remembered access token has passed it: its times
    // never change, and an iat that was not ahead of the clock never will be.
    const { accessTokenTtl, leeway } = this.options.jwt;
    if (
      claims.typ === ACCESS_TOKEN_TYPE &&
      !accessTokenTimesAreSound(claims, accessTokenTtl + leeway, leeway, Date.now() / 1000)
    ) {
      throw new InvalidTokenException();
    }
    if (typeof claims.exp === 'number') {
      const until = (claims.exp + leeway) * 1000;
      this.verified.set(key, { token, claims: Object.freeze(claims), until });
    }
    return claims;
  }

  private verifyUncached(token: string): Record<string, unknown> {
    const header = readHeader(token);
    if (!header) throw new InvalidTokenException();
    const kid = header.kid;
    const verify =
      kid === undefined
        ? this.onlyKid && this.verifiers.get(this.onlyKid)
        : typeof kid === 'string'
          ? this.verifiers.get(kid)
          : undefined;
    if (!verify) throw new InvalidTokenException();
    try {
      return verify(token);
    } catch (error) {
      if (error instanceof TokenError && error.code === TokenError.codes.expired) {
        throw new TokenExpiredException();
      }
      throw new InvalidTokenException();
    }
  }

  /** The public keys of the ring (asymmetric keys only; secrets are never published). */
  jwks(): JsonWebKeySet {
    return {
      keys: this.options.jwt.keys
        .map((key) => key.publicJwk)
        .filter((jwk): jwk is NonNullable<typeof jwk> => jwk !== undefined),
    };
  }
}
