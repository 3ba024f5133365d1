import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { API_KEY_STRATEGY } from '../auth.constants.js';
import { ApiKeyInfo, ApiKeyService } from '../api-keys/api-key.service.js';
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
 * API keys, from `X-API-Key: <key>` or `Authorization: Bearer <key>` (passport-http-bearer), verified by
 * {@link ApiKeyService}. A bearer credential is this strategy's only when it starts with the key prefix,
 * so keys and JWTs never reach each other's strategy.
 */
@Injectable()
export class ApiKeyStrategy
  extends (PassportStrategy(Strategy, passportName(API_KEY_STRATEGY)) as PublishedPassportBase)
  implements CredentialStrategy
{
  readonly strategyName = API_KEY_STRATEGY;

  /**
   * passport-http-bearer's token extraction and {@link ApiKeyStrategy.validate}, run without
   * Passport's per-request machinery (see {@link CredentialStrategy.verifyDirectly}).
   */
  readonly verifyDirectly = runsOwnPassportHooks(this, ApiKeyStrategy)
    ? (request: AuthRequest): StrategyVerdict | Promise<StrategyVerdict> => {
        const key = passportBearerToken(authorizationOf(request));
        if (key === undefined) throw this.failureToException();
        return this.keys.verifyKey(key);
      }
    : undefined;

  /** `Bearer ` and the key prefix: a header starting so holds one of our keys. */
  private readonly bearerKeyPrefix: string;

  constructor(private readonly keys: ApiKeyService<object>) {
    super();
    this.bearerKeyPrefix = `Bearer ${keys.format.prefix}_`;
  }

  /** Called with the presented key. */
  validate(key: string): Promise<[object, ApiKeyInfo]> {
    return this.keys.authenticate(key);
  }

  override authenticate(request: AuthRequest, options?: object): void {
    const authorization = authorizationOf(request);
    super.authenticate({ headers: { authorization }, query: {}, body: {} } as never, options);
  }

  hasCredential(request: AuthRequest): boolean {
    if (request.headers['x-api-key'] !== undefined) return true;
    // The usual header without the general parse, which reads it the same way.
    const header = request.headers.authorization;
    if (typeof header === 'string' && header.startsWith(this.bearerKeyPrefix)) return true;
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

/** The `Authorization` value this strategy reads: `X-API-Key` as a bearer token when present. */
function authorizationOf(request: AuthRequest): string | string[] | undefined {
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? `Bearer ${header.trim()}` : request.headers.authorization;
}
