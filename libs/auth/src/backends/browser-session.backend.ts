import { Injectable } from '@nestjs/common';
import {
  AuthException,
  InvalidGrantException,
  InvalidTokenException,
} from '../errors/auth.exception.js';
import { AuthErrorCode } from '../errors/auth-error-code.js';
import { IssuedTokens, SessionService } from '../sessions/session.service.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserCache } from '../users/user-cache.js';
import { UserService } from '../users/user.service.js';
import { JwtBackend } from './jwt.backend.js';

/** The tokens a browser's session cookies hold (either may be absent). */
export interface BrowserSessionTokens {
  access?: string;
  refresh?: string;
}

/** What the cookie strategy says about a request it authenticated: put on `request.authInfo`. */
export interface BrowserSessionInfo {
  strategy: 'cookie';
  sessionId: string;
  /** A pair issued because the access cookie had expired; the strategy writes it as new cookies. */
  renewed?: IssuedTokens;
}

/**
 * Turns the tokens of a browser's session cookies into a user, renewing an expired access token from
 * the refresh token. Knows nothing of HTTP: the cookies are read and written by `SessionCookies`.
 */
@Injectable()
export class BrowserSessionBackend<TUser extends object = AuthUser> {
  constructor(
    private readonly jwt: JwtBackend<TUser>,
    private readonly sessions: SessionService,
    private readonly users: UserService<TUser>,
    private readonly cache: UserCache<TUser>,
  ) {}

  /**
   * Authenticates a browser by its session cookies: the access token when it is good, else a refresh
   * from the refresh token (whose new pair the caller writes back as cookies).
   *
   * @throws TokenRevokedException, InvalidTokenException
   */
  async authenticate({
    access,
    refresh,
  }: BrowserSessionTokens): Promise<[TUser, BrowserSessionInfo]> {
    if (access) {
      try {
        const [user, info] = await this.jwt.authenticateToken(access);
        // Only Portcullis' own session tokens belong in these cookies.
        if (!info.sessionId) throw new InvalidTokenException();
        return [user, { strategy: 'cookie', sessionId: info.sessionId }];
      } catch (error) {
        const renewable =
          error instanceof AuthException && error.code === AuthErrorCode.TokenExpired && refresh;
        if (!renewable) throw error;
      }
    }
    if (!refresh) throw new InvalidTokenException();
    let renewed: IssuedTokens;
    try {
      renewed = await this.sessions.refresh(refresh);
    } catch (error) {
      if (error instanceof InvalidGrantException) {
        throw new InvalidTokenException('The browser session has ended.');
      }
      throw error;
    }
    const id = this.users.parseId(renewed.userId);
    const user = id === undefined ? null : await this.cache.get(id);
    if (!user || (user as AuthUser).isActive === false) throw new InvalidTokenException();
    return [user, { strategy: 'cookie', sessionId: renewed.sessionId, renewed }];
  }

  /**
   * Ends the session the cookies belong to (identified by a verified access or refresh token), if
   * any. The caller clears the cookies.
   */
  async endSession({ access, refresh }: BrowserSessionTokens): Promise<void> {
    let sessionId: string | undefined;
    if (access) {
      try {
        sessionId = (await this.jwt.authenticateToken(access))[1].sessionId;
      } catch {
        sessionId = undefined;
      }
    }
    sessionId ??= refresh ? this.sessions.sessionOfRefreshToken(refresh) : undefined;
    if (sessionId) await this.sessions.end(sessionId, 'logout');
  }
}
