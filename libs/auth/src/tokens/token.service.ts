import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedJwtOptions } from '../options/jwt-options.resolver.js';
import { AuthException } from '../errors/auth.exception.js';
import { KeyRing } from './key-ring.js';

import { ACCESS_TOKEN_TYPE, REFRESH_TOKEN_TYPE } from './token-types.js';

export { ACCESS_TOKEN_TYPE, REFRESH_TOKEN_TYPE };

/** The OAuth 2.0 token response (RFC 6749 section 5.1) returned by `POST /auth/login`. */
export interface TokenResponse {
  /** The signed access token (a JWT). */
  access_token: string;
  /** Always `Bearer`. */
  token_type: 'Bearer';
  /** Seconds until `access_token` expires. */
  expires_in: number;
  /** Exchanged at `POST /auth/refresh` for a new pair; single use. */
  refresh_token?: string;
}

/** The claims of a verified refresh token that Portcullis relies on. */
export interface RefreshTokenClaims {
  /** The user's id, stringified. */
  sub: string;
  /** The session (refresh-token family). */
  sid: string;
  /** The token's id, the key of its row. */
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** The claims of a Portcullis access token. */
export interface AccessTokenClaims {
  /** The user's id, stringified. */
  sub: string;
  /** Token kind; `access` for access tokens. */
  typ: string;
  /** The session the token belongs to; ending the session revokes the token. */
  sid: string;
  /** Unique token id. */
  jti: string;
  /** Issued at (seconds since the epoch). */
  iat: number;
  /** Expires at (seconds since the epoch). */
  exp: number;
  /** Issuer. */
  iss: string;
  /** Audience. */
  aud: string | string[];
  /** The user's permissions at issue time (`jwt.permissionsClaim`); `['*']` for a superuser. */
  perms?: string[];
}

/**
 * Issues and verifies access and refresh tokens with the {@link KeyRing}. Every token carries `sub`,
 * `sid`, `jti`, `typ`, `iat`, `exp`, `iss` and `aud`.
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedJwtOptions,
    private readonly keys: KeyRing,
  ) {}

  /**
   * Signs a fresh access token for a user id (the stringified primary key) and session; `permissions`,
   * when given, becomes its `perms` claim (`jwt.permissionsClaim`).
   */
  issueAccessToken(
    subject: string,
    sessionId: string,
    permissions?: readonly string[],
  ): TokenResponse {
    const ttl = this.options.jwt.accessTokenTtl;
    const now = Math.floor(Date.now() / 1000);
    const accessToken = this.keys.sign({
      typ: ACCESS_TOKEN_TYPE,
      sub: subject,
      sid: sessionId,
      jti: randomUUID(),
      iat: now,
      exp: now + ttl,
      ...(permissions && { perms: permissions }),
    });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl };
  }

  /**
   * Signs a refresh token. The same `jti` always denotes the same token, whenever it is signed.
   * `issuedAt` (seconds since the epoch) is the moment its `exp` was counted from, so that `exp - iat`
   * is exactly the lifetime it was given.
   */
  signRefreshToken(claims: RefreshTokenClaims, issuedAt: number): string {
    return this.keys.sign({
      typ: REFRESH_TOKEN_TYPE,
      sub: claims.sub,
      sid: claims.sid,
      jti: claims.jti,
      iat: issuedAt,
      exp: claims.exp,
    });
  }

  /**
   * Verifies an access token's signature and registered claims (not its session, nor the user).
   *
   * @throws TokenExpiredException or InvalidTokenException
   */
  verifyAccessToken(token: string): Record<string, unknown> {
    return this.keys.verify(token);
  }

  /**
   * {@link TokenService.verifyAccessToken} for a credential that may be of another kind: undefined
   * when it is not a compact JWS ({@link KeyRing.verifyIfJws}).
   *
   * @throws TokenExpiredException or InvalidTokenException
   */
  verifyIfJws(token: string): Record<string, unknown> | undefined {
    return this.keys.verifyIfJws(token);
  }

  /**
   * Verifies a refresh token: signature, `exp`, `iss`, `aud`, and `typ` refresh with `sub`, `sid` and
   * `jti`. Returns undefined for anything else, access tokens included.
   */
  verifyRefreshToken(token: string): RefreshTokenClaims | undefined {
    let payload: Record<string, unknown>;
    try {
      payload = this.keys.verify(token);
    } catch (error) {
      if (error instanceof AuthException) return undefined;
      throw error;
    }
    const { sub, sid, jti, exp, typ } = payload;
    if (
      typ !== REFRESH_TOKEN_TYPE ||
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof jti !== 'string' ||
      typeof exp !== 'number'
    ) {
      return undefined;
    }
    return { sub, sid, jti, exp };
  }
}
