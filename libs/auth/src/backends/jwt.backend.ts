import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import {
  AuthException,
  InvalidTokenException,
  TokenExpiredException,
} from '../errors/auth.exception.js';
import { ACCESS_TOKEN_TYPE, TokenService } from '../tokens/token.service.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserService } from '../users/user.service.js';

/**
 * Turns a verified access-token payload into a user, or an `invalid_token` failure. Knows nothing of
 * HTTP: the JWT strategy checks the signature, then hands the payload here.
 */
@Injectable()
export class JwtBackend<TUser extends object = AuthUser> {
  constructor(
    private readonly users: UserService<TUser>,
    private readonly tokens: TokenService,
  ) {}

  /**
   * Checks the claims Portcullis requires (`typ` access, `sub`, `jti`, `iat`, `exp`) and loads an active
   * user.
   *
   * @throws InvalidTokenException
   */
  async authenticatePayload(payload: jwt.JwtPayload): Promise<TUser> {
    if (
      payload === null ||
      typeof payload !== 'object' ||
      payload.typ !== ACCESS_TOKEN_TYPE ||
      typeof payload.sub !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload.iat !== 'number' ||
      typeof payload.exp !== 'number'
    ) {
      throw new InvalidTokenException();
    }
    const id = this.users.parseId(payload.sub);
    const user = id === undefined ? null : await this.users.findById(id);
    if (!user || (user as AuthUser).isActive === false) throw new InvalidTokenException();
    return user;
  }

  /**
   * Verifies a raw access token end to end (signature, claims, user). For non-HTTP transports and
   * tests; HTTP requests go through the JWT strategy.
   *
   * @throws TokenExpiredException or InvalidTokenException
   */
  async authenticateToken(token: string): Promise<TUser> {
    let payload: jwt.JwtPayload;
    try {
      payload = this.tokens.verifyAccessToken(token);
    } catch (error) {
      throw jwtErrorToException(error);
    }
    return this.authenticatePayload(payload);
  }
}

/** Maps a jsonwebtoken verification error to the Portcullis exception a client sees. */
export function jwtErrorToException(error: unknown): AuthException {
  if (error instanceof AuthException) return error;
  if (error instanceof jwt.TokenExpiredError) return new TokenExpiredException();
  return new InvalidTokenException();
}
