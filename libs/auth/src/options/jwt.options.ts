import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { JwtKeyOptions } from '../tokens/jwt-keys.js';

/**
 * An outside identity provider whose access tokens are accepted as `Authorization: Bearer` tokens,
 * verified with its JWKS.
 *
 * @example
 * ```ts
 * { issuer: 'https://idp.example', jwksUrl: 'https://idp.example/.well-known/jwks.json',
 *   audience: 'notes-api', subjectClaim: 'email', userField: 'email' }
 * ```
 */
export interface ExternalIssuerOptions {
  /** The exact `iss` of its tokens. */
  issuer: string;
  /** Where its public keys are (https, or http for local development). Only ever this URL. */
  jwksUrl: string;
  /** The `aud` its tokens must carry for this API. */
  audience: string | string[];
  /** Accepted algorithms. @default ['RS256', 'PS256', 'ES256', 'EdDSA'] */
  algorithms?: Array<'RS256' | 'PS256' | 'ES256' | 'EdDSA'>;
  /** The claim naming the local user. @default 'sub' */
  subjectClaim?: string;
  /** The user entity property matched against that claim. @default the `usernameField` */
  userField?: string;
  /**
   * Longest lifetime, in seconds, its access tokens may claim: `exp - iat` (or `exp` - now, when a
   * token has no `iat`) beyond this plus the leeway is `invalid_token`, as is an `iat` in the future.
   * @default 86400 (24 hours)
   */
  maxTokenLifetime?: number;
}

/** JWT settings. */
export interface AuthJwtOptions {
  /**
   * The HS256 signing secret: at least 32 bytes. A string is used as its UTF-8 bytes; an `oct` JWK
   * (`{ kty: 'oct', k: '<base64url>' }`) as the bytes of its `k`.
   * @default process.env.AUTH_JWT_SECRET
   */
  secret?: string | Buffer | KeyObject | JsonWebKey;
  /**
   * The key ring, instead of `secret`: HS256/384/512, RS256, PS256, ES256 and EdDSA keys, each with its
   * `kid` and one algorithm. One key signs (`signingKeyId`, default the first); the others only verify,
   * so tokens signed by a retired key keep working until they expire. Public keys are served at
   * `/.well-known/jwks.json` when `routes` is on.
   */
  keys?: JwtKeyOptions[];
  /** The `kid` of the key that signs new tokens. @default the first of `keys` */
  signingKeyId?: string;
  /**
   * More verify-only keys, as a JWK Set: on a resource server, the issuer's
   * `/.well-known/jwks.json` document pasted in (or read from a file). Every key needs `kid` and
   * `alg` (RS256, PS256, ES256 or EdDSA); secrets and private keys are refused.
   * @default none
   */
  jwks?: { keys: JsonWebKey[] };
  /**
   * Access tokens carry the user's effective permissions in a `perms` claim (codenames; a superuser's
   * is `['*']`), so a resource server decides `@Permissions()` from the token alone. A grant or
   * revocation takes effect at the user's next access token (login or refresh). Refresh tokens never
   * carry it.
   * @default false
   */
  permissionsClaim?: boolean;
  /** `iss` claim written and required. @default 'portcullis' */
  issuer?: string;
  /** `aud` claim written and required. @default 'portcullis' */
  audience?: string;
  /** Access token lifetime in seconds. @default 900 (15 minutes) */
  accessTokenTtl?: number;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. @default 30 */
  leeway?: number;
  /** Absolute lifetime of a session (refresh-token family), in seconds. @default 2592000 (30 days) */
  refreshTokenTtl?: number;
  /**
   * Idle lifetime of a refresh token, in seconds: a session unused for this long ends.
   * @default 1209600 (14 days)
   */
  refreshTokenIdleTtl?: number;
  /**
   * Seconds after a refresh token is used during which presenting it again returns the same successor
   * (a client retrying after a lost response) instead of being treated as theft.
   * @default 5
   */
  refreshReuseGrace?: number;
  /**
   * Where the JWT strategy finds the access token: one of passport-jwt's `ExtractJwt` extractors (such
   * as `ExtractJwt.fromHeader('x-access-token')`), or any function of the request answering the
   * token or null. Without it, the `Authorization: Bearer` header only, read as RFC 6750 says (a
   * malformed value is a 400 `invalid_request`). A credential that is not a compact JWS is left to
   * the next strategy either way. Avoid query-string extractors: URLs end up in logs.
   */
  fromRequest?: JwtFromRequest;
}

/**
 * Reads an access token from a request (Express' or Fastify's), as passport-jwt's `ExtractJwt`
 * extractors do: the token, or null when the request has none.
 */
export type JwtFromRequest = (request: never) => string | null | undefined;
