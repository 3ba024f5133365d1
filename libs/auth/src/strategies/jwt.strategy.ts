import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type SecretOrKeyProvider } from 'passport-jwt';
import { JWT_STRATEGY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { JwtFromRequest } from '../auth.options.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import type { ResolvedJwtOptions } from '../options/jwt-options.resolver.js';
import type { AccessTokenInfo } from '../backends/jwt.backend.js';
import { JwtBackend } from '../backends/jwt.backend.js';
import { andThen, type MaybeAsync } from '../common/maybe-async.js';
import { AuthException, InvalidRequestException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import {
  bearerCredential,
  isB64Token,
  isMalformedBearer,
} from '../http-request/authorization-header.js';
import type { CredentialStrategy, StrategyVerdict } from './credential-strategy.interface.js';
import { answerPassport, type PassportActions } from './passport-protocol.js';
import { passportName } from './passport-name.js';
import type { PublishedPassportBase } from './published-passport-base.js';
import { bearerChallenge } from './www-authenticate.js';

/**
 * passport-jwt asks for a key source; it is never called, because this strategy's `authenticate()`
 * verifies with the key ring (see {@link JwtStrategy}).
 */
const verifiedByKeyRing: SecretOrKeyProvider = (_request, _token, done) =>
  done(new Error('Portcullis verifies access tokens with its key ring.'));

/**
 * Access tokens (JWTs), by default from `Authorization: Bearer <jwt>` only; `jwt.fromRequest` takes
 * any of passport-jwt's `ExtractJwt` extractors instead. A bearer credential that is not a compact JWS
 * (an API key) is "not mine". The {@link JwtBackend} verifies the token with the key ring (its keys,
 * one algorithm per key, the claim rules), checks the session and loads the user.
 *
 * It is passport-jwt's `Strategy`, registered in Passport as `portcullis-jwt`, so
 * `AuthGuard('portcullis-jwt')` from `@nestjs/passport` works. Its Passport `authenticate()` runs the
 * same {@link JwtStrategy.authenticateRequest} as Portcullis' guards, not passport-jwt's jsonwebtoken
 * check: jsonwebtoken has no EdDSA and none of the ring's rules, and both ways must decide alike. A
 * subclass that overrides {@link JwtStrategy.validate} changes the user for both.
 */
@Injectable()
export class JwtStrategy
  extends (PassportStrategy(
    Strategy,
    passportName(JWT_STRATEGY),
  ) as unknown as PublishedPassportBase)
  implements CredentialStrategy
{
  readonly strategyName = JWT_STRATEGY;
  private readonly fromRequest: JwtFromRequest | undefined;
  private readonly realm: string;

  constructor(
    private readonly backend: JwtBackend<object>,
    @Inject(AUTH_RESOLVED_OPTIONS)
    options: ResolvedJwtOptions & Pick<ResolvedBrowserOptions, 'realm'>,
  ) {
    super({
      jwtFromRequest: options.jwt.fromRequest ?? ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: verifiedByKeyRing,
    });
    this.fromRequest = options.jwt.fromRequest;
    this.realm = options.realm;
  }

  /**
   * Not mine without a JWS; otherwise the verified claims' user ({@link JwtStrategy.validate}). A
   * malformed `Authorization: Bearer` value is a 400 `invalid_request` (RFC 6750 3.1).
   *
   * @throws InvalidTokenException, TokenExpiredException, TokenRevokedException, InvalidRequestException
   */
  authenticateRequest(request: AuthRequest): MaybeAsync<StrategyVerdict | undefined> {
    if (this.fromRequest !== undefined) return this.verifyExtracted(request, this.fromRequest);
    const authorization = request.headers.authorization;
    const token = bearerCredential(authorization);
    if (token === undefined) {
      if (isMalformedBearer(authorization)) throw new InvalidRequestException();
      return undefined;
    }
    // No dot, no JWS (an API key, say): not mine. A malformed value without a dot is refused by the
    // guard once no strategy claims it (and by answerPassport on Passport's path), so the usual API
    // key request is not scanned here.
    if (token.indexOf('.') === -1) return undefined;
    const claims = this.backend.verifyIfJws(token);
    if (claims === undefined) {
      if (!isB64Token(token)) throw new InvalidRequestException();
      return undefined;
    }
    return andThen(claims, validateClaims, this);
  }

  /**
   * Called with a verified token's claims; answers the user and the token's session (what goes on
   * `request.authInfo`). Without a promise when the user is cached.
   */
  validate(payload: Record<string, unknown>): MaybeAsync<[object, AccessTokenInfo]> {
    return this.backend.userOf(payload);
  }

  /** Passport's entry point: {@link JwtStrategy.authenticateRequest}, reported to Passport. */
  override authenticate(request: AuthRequest): void {
    answerPassport(this as unknown as this & PassportActions, request, this.realm, true);
  }

  /** This strategy's `WWW-Authenticate` challenge (RFC 6750 Bearer). */
  challenge(realm: string, failure?: AuthException): string {
    return bearerChallenge(realm, failure);
  }

  /** The token `jwt.fromRequest` finds, verified; not mine without one or when it is no JWS. */
  private verifyExtracted(
    request: AuthRequest,
    fromRequest: JwtFromRequest,
  ): MaybeAsync<StrategyVerdict | undefined> {
    const token = fromRequest(request as never);
    if (typeof token !== 'string' || token.length === 0) return undefined;
    const claims = this.backend.verifyIfJws(token);
    return claims === undefined ? undefined : andThen(claims, validateClaims, this);
  }
}

function validateClaims(
  claims: Record<string, unknown>,
  strategy: JwtStrategy,
): MaybeAsync<[object, AccessTokenInfo]> {
  return strategy.validate(claims);
}
