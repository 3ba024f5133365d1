import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import {
  AuthException,
  InvalidTokenException,
  TokenExpiredException,
  TokenRevokedException,
} from '../errors/auth.exception.js';
import { RevokedSessionRegistry } from '../sessions/revoked-session.registry.js';
import { ACCESS_TOKEN_TYPE, TokenService } from '../tokens/token.service.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserCache } from '../users/user-cache.js';
import { UserService } from '../users/user.service.js';

/** What an access token says about the request beyond the user: put on `request.authInfo`. */
export interface AccessTokenInfo {
  /** Always `jwt`. */
  strategy: 'jwt';
  /** The session the token belongs to. */
  sessionId: string;
  /** The token's `jti`. */
  tokenId: string;
}

/**
 * Turns a verified access-token payload into a user, or a failure. Knows nothing of HTTP: the JWT
 * strategy checks the signature, then hands the payload here.
 *
 * The revocation check runs on every call and costs a map lookup ({@link RevokedSessionRegistry}); the
 * user comes from {@link UserCache}. A token that is not revoked, for a cached user, makes no database
 * read.
 */
@Injectable()
export class JwtBackend<TUser extends object = AuthUser> {
  constructor(
    private readonly users: UserService<TUser>,
    private readonly tokens: TokenService,
    private readonly revoked: RevokedSessionRegistry,
    private readonly cache: UserCache<TUser>,
  ) {}

  /**
   * Checks the claims Portcullis requires (`typ` access, `sub`, `sid`, `jti`, `iat`, `exp`), that the
   * session has not ended, and that the user exists and is active.
   *
   * @throws InvalidTokenException, TokenRevokedException, or AuthServiceUnavailableException when
   * revocation cannot be checked.
   */
  async authenticatePayload(payload: jwt.JwtPayload): Promise<[TUser, AccessTokenInfo]> {
    if (
      payload === null ||
      typeof payload !== 'object' ||
      payload.typ !== ACCESS_TOKEN_TYPE ||
      typeof payload.sub !== 'string' ||
      typeof payload.sid !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload.iat !== 'number' ||
      typeof payload.exp !== 'number'
    ) {
      throw new InvalidTokenException();
    }
    if (this.revoked.isRevoked(payload.sid)) throw new TokenRevokedException();
    const id = this.users.parseId(payload.sub);
    const user = id === undefined ? null : await this.cache.get(id);
    if (!user || (user as AuthUser).isActive === false) throw new InvalidTokenException();
    return [user, { strategy: 'jwt', sessionId: payload.sid, tokenId: payload.jti }];
  }

  /**
   * Verifies a raw access token end to end (signature, claims, session, user). For non-HTTP transports
   * and tests; HTTP requests go through the JWT strategy.
   *
   * @throws TokenExpiredException, InvalidTokenException or TokenRevokedException
   */
  async authenticateToken(token: string): Promise<TUser> {
    let payload: jwt.JwtPayload;
    try {
      payload = this.tokens.verifyAccessToken(token);
    } catch (error) {
      throw jwtErrorToException(error);
    }
    const [user] = await this.authenticatePayload(payload);
    return user;
  }
}

/** Maps a jsonwebtoken verification error to the Portcullis exception a client sees. */
export function jwtErrorToException(error: unknown): AuthException {
  if (error instanceof AuthException) return error;
  if (error instanceof jwt.TokenExpiredError) return new TokenExpiredException();
  return new InvalidTokenException();
}
