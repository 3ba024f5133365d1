import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { JWT_STRATEGY } from '../auth.constants.js';
import { JwtBackend } from '../backends/jwt.backend.js';
import { COMPACT_JWS_SHAPE } from '../tokens/key-ring.js';
import { AuthException, InvalidTokenException } from '../errors/auth.exception.js';
import { bearerChallenge, readAuthorization } from './authorization-header.js';
import type {
  AuthRequest,
  CredentialStrategy,
  StrategyVerdict,
} from './credential-strategy.interface.js';
import { passportBearerToken, runsOwnPassportHooks } from './direct-verification.js';
import { passportName } from './passport-name.js';
import type { PublishedPassportBase } from './published-passport-base.js';

/**
 * `Authorization: Bearer <jwt>` access tokens. Passport (passport-http-bearer) extracts the token; the
 * {@link JwtBackend} verifies it with the key ring, checks the session and loads the user. Tokens in a
 * query string or body (which end up in logs) are not read.
 */
@Injectable()
export class JwtStrategy
  extends (PassportStrategy(Strategy, passportName(JWT_STRATEGY)) as PublishedPassportBase)
  implements CredentialStrategy
{
  readonly strategyName = JWT_STRATEGY;

  /**
   * passport-http-bearer's token extraction and {@link JwtStrategy.validate}, run without Passport's
   * per-request machinery (see {@link CredentialStrategy.verifyDirectly}).
   */
  readonly verifyDirectly = runsOwnPassportHooks(this, JwtStrategy)
    ? (request: AuthRequest): StrategyVerdict | Promise<StrategyVerdict> => {
        const token = passportBearerToken(request.headers.authorization);
        if (token === undefined) throw this.failureToException();
        return this.backend.verifyToken(token);
      }
    : undefined;

  /**
   * {@link JwtStrategy.hasCredential} and {@link JwtStrategy.verifyDirectly} in one pass: a token
   * verified before (the usual request) is read once and looked up once.
   */
  readonly verifyIfPresent = this.verifyDirectly
    ? (request: AuthRequest): StrategyVerdict | Promise<StrategyVerdict> | undefined => {
        const token = passportBearerToken(request.headers.authorization);
        if (token !== undefined) {
          // No dot, no JWS (an API key, say): another strategy's credential, whatever it is.
          if (token.indexOf('.') === -1) return undefined;
          const remembered = this.backend.verifyRememberedToken(token);
          if (remembered !== undefined) return remembered;
        }
        return this.carriesCompactJws(request) ? this.verifyDirectly!(request) : undefined;
      }
    : undefined;

  constructor(private readonly backend: JwtBackend<object>) {
    super();
  }

  /** Called with the bearer token; answers the user and the token's session. */
  validate(token: string): Promise<[object, object]> {
    return this.backend.authenticateToken(token);
  }

  override authenticate(request: AuthRequest, options?: object): void {
    super.authenticate({ headers: request.headers, query: {}, body: {} } as never, options);
  }

  hasCredential(request: AuthRequest): boolean {
    // A token verified before is a compact JWS: the usual request needs no scan of its token.
    const token = passportBearerToken(request.headers.authorization);
    if (token !== undefined && this.backend.remembers(token)) return true;
    return this.carriesCompactJws(request);
  }

  /** True when the request's bearer credential has the shape of a compact JWS, good or bad. */
  private carriesCompactJws(request: AuthRequest): boolean {
    const authorization = readAuthorization(request);
    return authorization?.scheme === 'bearer' && COMPACT_JWS_SHAPE.test(authorization.credentials);
  }

  failureToException(): AuthException {
    return new InvalidTokenException();
  }

  challenge(realm: string, failure?: AuthException): string {
    return bearerChallenge(realm, failure);
  }
}
