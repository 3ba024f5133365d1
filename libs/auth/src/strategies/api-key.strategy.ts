import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { API_KEY_STRATEGY } from '../auth.constants.js';
import { ApiKeyInfo, ApiKeyService } from '../api-keys/api-key.service.js';
import { AuthException, InvalidTokenException } from '../errors/auth.exception.js';
import { bearerChallenge, readAuthorization } from './authorization-header.js';
import type { AuthRequest, CredentialStrategy } from './credential-strategy.interface.js';
import { passportName } from './passport-name.js';

/**
 * API keys, from `X-API-Key: <key>` or `Authorization: Bearer <key>` (passport-http-bearer), verified by
 * {@link ApiKeyService}. A bearer credential is this strategy's only when it starts with the key prefix,
 * so keys and JWTs never reach each other's strategy.
 */
@Injectable()
export class ApiKeyStrategy
  extends PassportStrategy(Strategy, passportName(API_KEY_STRATEGY))
  implements CredentialStrategy
{
  readonly strategyName = API_KEY_STRATEGY;

  constructor(private readonly keys: ApiKeyService<object>) {
    super();
  }

  /** Called with the presented key. */
  validate(key: string): Promise<[object, ApiKeyInfo]> {
    return this.keys.authenticate(key);
  }

  override authenticate(request: AuthRequest, options?: object): void {
    const header = request.headers['x-api-key'];
    const authorization =
      typeof header === 'string' ? `Bearer ${header.trim()}` : request.headers.authorization;
    super.authenticate({ headers: { authorization }, query: {}, body: {} } as never, options);
  }

  hasCredential(request: AuthRequest): boolean {
    if (request.headers['x-api-key'] !== undefined) return true;
    const authorization = readAuthorization(request);
    return authorization?.scheme === 'bearer' && this.keys.format.claims(authorization.credentials);
  }

  failureToException(): AuthException {
    return new InvalidTokenException('The API key is invalid.');
  }

  challenge(realm: string, failure?: AuthException): string {
    return bearerChallenge(realm, failure);
  }
}
