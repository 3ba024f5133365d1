import { Inject, Injectable, Optional } from '@nestjs/common';
import type { MaybeAsync } from '../common/maybe-async.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedExternalIssuer } from '../auth.resolved-options.js';
import type { ResolvedJwtOptions } from '../options/jwt-options.resolver.js';
import { InvalidTokenException, TokenRevokedException } from '../errors/auth.exception.js';
import { RevokedSessionRegistry } from '../sessions/revoked-session.registry.js';
import { ExternalIssuers } from '../tokens/external-issuers.js';
import { ACCESS_TOKEN_TYPE, accessTokenTimesAreSound } from '../tokens/token-types.js';
import { TokenService } from '../tokens/token.service.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserCache } from '../users/user-cache.js';
import { UserService } from '../users/user.service.js';
import { TokenUsers } from './token-user.js';

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
  /** The longest `exp - iat` an access token may claim, in seconds: `accessTokenTtl` + leeway. */
  private readonly longestLifetime: number;
  /** Seconds an `iat` may lie ahead of this clock. */
  private readonly leeway: number;

  /**
   * `users`, `revoked` and `cache` read the database: a resource server has none of them, and
   * `tokenUsers` (registered there only) builds the user from the claims instead.
   */
  constructor(
    @Inject(AUTH_RESOLVED_OPTIONS) options: ResolvedJwtOptions,
    @Optional() private readonly users: UserService<TUser>,
    private readonly tokens: TokenService,
    @Optional() private readonly revoked: RevokedSessionRegistry,
    @Optional() private readonly cache: UserCache<TUser>,
    private readonly external: ExternalIssuers,
    @Optional() private readonly tokenUsers?: TokenUsers,
  ) {
    this.longestLifetime = options.jwt.accessTokenTtl + options.jwt.leeway;
    this.leeway = options.jwt.leeway;
  }

  /**
   * Checks the claims Portcullis requires (`typ` access, `sub`, `sid`, `jti`, `iat`, `exp`), that the
   * token's lifetime (`exp - iat`) is at most `accessTokenTtl` + leeway and its `iat` not later than
   * now + leeway, that the session has not ended, and that the user exists and is active.
   *
   * @throws InvalidTokenException, TokenRevokedException, or AuthServiceUnavailableException when
   * revocation cannot be checked.
   */
  async authenticatePayload(payload: Record<string, unknown>): Promise<[TUser, AccessTokenInfo]> {
    // The key ring checks a token's times when it verifies it; a payload from elsewhere is checked here.
    const seconds = Date.now() / 1000;
    if (!accessTokenTimesAreSound(payload, this.longestLifetime, this.leeway, seconds)) {
      throw new InvalidTokenException();
    }
    return this.checkPayload(payload);
  }

  /**
   * Verifies a raw access token end to end: signature and registered claims ({@link KeyRing}), then
   * {@link JwtBackend.authenticatePayload}; or, for a configured external issuer, its JWKS and the
   * mapping of its subject claim to a local user. Also usable outside HTTP (WebSockets, queues).
   *
   * @throws TokenExpiredException, InvalidTokenException, TokenRevokedException
   */
  async authenticateToken(token: string): Promise<[TUser, AccessTokenInfo]> {
    const claims = await this.verifyIfJws(token);
    if (claims === undefined) throw new InvalidTokenException();
    return this.userOf(claims);
  }

  /**
   * The verified claims of a token, for the JWT strategy: undefined when the credential is not a
   * compact JWS ("not mine"). A Portcullis token is verified by the key ring, without a promise; an
   * external issuer's by its JWKS.
   *
   * @throws TokenExpiredException, InvalidTokenException, AuthServiceUnavailableException
   */
  verifyIfJws(token: string): MaybeAsync<Record<string, unknown>> | undefined {
    const issuer = this.external.issuerOf(token);
    return issuer ? this.external.verify(token, issuer) : this.tokens.verifyIfJws(token);
  }

  /**
   * The user of verified claims ({@link JwtBackend.verifyIfJws}), for the JWT strategy's `validate()`:
   * an external issuer's token by its subject claim, a Portcullis token by its `sub` once its session
   * is known not to have ended. Without a promise when the user is cached.
   *
   * @throws InvalidTokenException, TokenRevokedException
   */
  userOf(claims: Record<string, unknown>): MaybeAsync<[TUser, AccessTokenInfo]> {
    const issuer =
      this.external.configured && typeof claims.iss === 'string'
        ? this.external.byName(claims.iss)
        : undefined;
    return issuer ? this.externalUser(claims, issuer) : this.checkPayload(claims);
  }

  private checkPayload(payload: Record<string, unknown>): MaybeAsync<[TUser, AccessTokenInfo]> {
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
    // Resource server: the issuer's sessions are out of reach; the token is the whole answer.
    if (this.tokenUsers) return this.tokenUsers.of(payload as never) as [TUser, AccessTokenInfo];
    if (this.revoked.isRevoked(payload.sid)) throw new TokenRevokedException();
    const info: AccessTokenInfo = { strategy: 'jwt', sessionId: payload.sid, tokenId: payload.jti };
    const id = this.users.parseId(payload.sub);
    if (id === undefined) throw new InvalidTokenException();
    const cached = this.cache.peek(id);
    if (cached) return activeUser(cached, info);
    return this.cache.get(id).then((user) => activeUser(user, info));
  }

  private async externalUser(
    payload: Record<string, unknown>,
    issuer: ResolvedExternalIssuer,
  ): Promise<[TUser, AccessTokenInfo]> {
    const subject = payload[issuer.subjectClaim];
    const user =
      typeof subject === 'string' && subject.length > 0
        ? await this.users.findByField(issuer.userField, subject)
        : null;
    return activeUser(user, {
      strategy: 'jwt',
      issuer: issuer.issuer,
      tokenId: typeof payload.jti === 'string' ? payload.jti : undefined,
    });
  }
}

/** The user and the token's info, when there is an active user. */
function activeUser<TUser extends object>(
  user: TUser | null,
  info: AccessTokenInfo,
): [TUser, AccessTokenInfo] {
  if (!user || (user as AuthUser).isActive === false) throw new InvalidTokenException();
  return [user, info];
}
