import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type jwt from 'jsonwebtoken';
import { JWT_STRATEGY } from '../auth.constants.js';
import { JwtBackend, jwtErrorToException } from '../backends/jwt.backend.js';
import { AuthErrorCode } from '../errors/auth-error-code.js';
import type { AuthException } from '../errors/auth.exception.js';
import { TokenService } from '../tokens/token.service.js';
import { quoted, readAuthorization } from './authorization-header.js';
import type { AuthRequest, CredentialStrategy } from './credential-strategy.interface.js';

/** A compact JWS: three base64url segments. */
const JWT_SHAPE = /^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * `Authorization: Bearer <jwt>` access tokens, via passport-jwt with the boot-time `KeyObject`. The
 * claims and the user are checked by {@link JwtBackend}.
 */
@Injectable()
export class JwtStrategy
  extends PassportStrategy(Strategy, JWT_STRATEGY)
  implements CredentialStrategy
{
  readonly strategyName = JWT_STRATEGY;

  constructor(
    tokens: TokenService,
    private readonly backend: JwtBackend<object>,
  ) {
    const { key, algorithms, issuer, audience, clockTolerance } = tokens.verification;
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: key as unknown as string,
      algorithms,
      issuer,
      audience,
      jsonWebTokenOptions: { clockTolerance },
    });
  }

  /** Called by passport-jwt with a payload whose signature and registered claims are valid. */
  validate(payload: jwt.JwtPayload): Promise<[object, object]> {
    return this.backend.authenticatePayload(payload);
  }

  hasCredential(request: AuthRequest): boolean {
    const authorization = readAuthorization(request);
    return authorization?.scheme === 'bearer' && JWT_SHAPE.test(authorization.credentials);
  }

  failureToException(challenge: unknown): AuthException {
    return jwtErrorToException(challenge);
  }

  challenge(realm: string, failure?: AuthException): string {
    let challenge = `Bearer realm=${quoted(realm)}`;
    if (
      failure &&
      (failure.code === AuthErrorCode.InvalidToken ||
        failure.code === AuthErrorCode.TokenExpired ||
        failure.code === AuthErrorCode.TokenRevoked)
    ) {
      challenge += `, error="invalid_token", error_description=${quoted(failure.message)}`;
    }
    return challenge;
  }
}
