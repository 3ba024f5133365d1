import { Injectable } from '@nestjs/common';
import { InvalidTokenException, TokenRevokedException } from '../errors/auth.exception.js';
import { RevokedSessionRegistry } from '../sessions/revoked-session.registry.js';
import { ExternalIssuers } from '../tokens/external-issuers.js';
import { ACCESS_TOKEN_TYPE, TokenService } from '../tokens/token.service.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserCache } from '../users/user-cache.js';
import { UserService } from '../users/user.service.js';

/** What an access token says about the request beyond the user: put on `request.authInfo`. */
export interface AccessTokenInfo {
  /** Always `jwt`. */
  strategy: 'jwt';
  /** The session the token belongs to (absent for an external issuer's token). */
  sessionId?: string;
  /** The token's `jti`, when it has one. */
  tokenId?: string;
  /** For an external issuer's token: its `iss`. */
  issuer?: string;
}

/**
 * Turns an access token into a user, or a failure. Knows nothing of HTTP.
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
    private readonly external: ExternalIssuers,
  ) {}

  /**
   * Checks the claims Portcullis requires (`typ` access, `sub`, `sid`, `jti`, `iat`, `exp`), that the
   * session has not ended, and that the user exists and is active.
   *
   * @throws InvalidTokenException, TokenRevokedException, or AuthServiceUnavailableException when
   * revocation cannot be checked.
   */
  async authenticatePayload(payload: Record<string, unknown>): Promise<[TUser, AccessTokenInfo]> {
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
   * Verifies a raw access token end to end: signature and registered claims ({@link KeyRing}), then
   * {@link JwtBackend.authenticatePayload}; or, for a configured external issuer, its JWKS and the
   * mapping of its subject claim to a local user. Also usable outside HTTP (WebSockets, queues).
   *
   * @throws TokenExpiredException, InvalidTokenException, TokenRevokedException
   */
  async authenticateToken(token: string): Promise<[TUser, AccessTokenInfo]> {
    const issuer = this.external.issuerOf(token);
    if (!issuer) return this.authenticatePayload(this.tokens.verifyAccessToken(token));
    const payload = await this.external.verify(token, issuer);
    const subject = payload[issuer.subjectClaim];
    const user =
      typeof subject === 'string' && subject.length > 0
        ? await this.users.findByField(issuer.userField, subject)
        : null;
    if (!user || (user as AuthUser).isActive === false) throw new InvalidTokenException();
    return [
      user,
      {
        strategy: 'jwt',
        issuer: issuer.issuer,
        tokenId: typeof payload.jti === 'string' ? payload.jti : undefined,
      },
    ];
  }
}
