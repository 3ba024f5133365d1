import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { API_KEY_STRATEGY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import { ApiKeyInfo, ApiKeyService } from '../api-keys/api-key.service.js';
import type { MaybeAsync } from '../common/maybe-async.js';
import {
  AuthException,
  InvalidRequestException,
  InvalidTokenException,
} from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { bearerCredential, isB64Token } from '../http-request/authorization-header.js';
import type { CredentialStrategy, StrategyVerdict } from './credential-strategy.interface.js';
import { answerPassport, type PassportActions } from './passport-protocol.js';
import { passportName } from './passport-name.js';
import type { PublishedPassportBase } from './published-passport-base.js';
import { bearerChallenge } from './www-authenticate.js';

/**
 * API keys, from `X-API-Key: <key>` or `Authorization: Bearer <key>`, verified by
 * {@link ApiKeyService}. A bearer credential is this strategy's only when it starts with the key
 * prefix, so keys and JWTs never reach each other's strategy.
 *
 * It is passport-http-bearer's `Strategy`, registered in Passport as `portcullis-api-key`; its
 * Passport `authenticate()` runs {@link ApiKeyStrategy.authenticateRequest}, so
 * `AuthGuard('portcullis-api-key')` decides as Portcullis' guards do.
 */
@Injectable()
export class ApiKeyStrategy
  extends (PassportStrategy(
    Strategy,
    passportName(API_KEY_STRATEGY),
  ) as unknown as PublishedPassportBase)
  implements CredentialStrategy
{
  readonly strategyName = API_KEY_STRATEGY;
  /** The key prefix and its separator: a bearer credential starting so is one of our keys. */
  private readonly keyPrefix: string;
  private readonly realm: string;

  constructor(
    private readonly keys: ApiKeyService<object>,
    @Inject(AUTH_RESOLVED_OPTIONS) options: Pick<ResolvedBrowserOptions, 'realm'>,
  ) {
    super();
    this.keyPrefix = `${keys.format.prefix}_`;
    this.realm = options.realm;
  }

  /**
   * Not mine without `X-API-Key` or a prefixed bearer credential; otherwise the key's owner.
   *
   * @throws InvalidTokenException, TokenExpiredException, InvalidRequestException (a malformed
   * `Authorization: Bearer` value)
   */
  authenticateRequest(request: AuthRequest): MaybeAsync<StrategyVerdict | undefined> {
    const header = request.headers['x-api-key'];
    if (header !== undefined) {
      if (typeof header !== 'string') throw new InvalidTokenException('The API key is invalid.');
      return this.validate(header.trim());
    }
    const authorization = request.headers.authorization;
    const credential = bearerCredential(authorization);
    if (credential === undefined || !credential.startsWith(this.keyPrefix)) return undefined;
    if (!isB64Token(credential)) throw new InvalidRequestException();
    return this.validate(credential);
  }

  /** Called with the presented key; answers its owner and the key. */
  validate(key: string): MaybeAsync<[object, ApiKeyInfo]> {
    return this.keys.verifyKey(key);
  }

  /** Passport's entry point: {@link ApiKeyStrategy.authenticateRequest}, reported to Passport. */
  override authenticate(request: AuthRequest): void {
    answerPassport(this as unknown as this & PassportActions, request, this.realm, true);
  }

  /** This strategy's `WWW-Authenticate` challenge (RFC 6750 Bearer). */
  challenge(realm: string, failure?: AuthException): string {
    return bearerChallenge(realm, failure);
  }
}
