import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import { BASIC_STRATEGY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import type { ResolvedThrottleOptions } from '../options/throttle-options.resolver.js';
import { PasswordBackend } from '../backends/password.backend.js';
import { InvalidCredentialsException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { readAuthorization } from '../http-request/authorization-header.js';
import { clientAddress } from '../http-request/client-address.js';
import { decodeBasicCredentials } from './basic-credentials.js';
import type { CredentialStrategy } from './credential-strategy.interface.js';
import { answerPassport, type PassportActions } from './passport-protocol.js';
import { passportName } from './passport-name.js';
import { quoted } from './www-authenticate.js';

/** What a login with HTTP Basic puts on `request.authInfo`. */
export interface BasicLoginInfo {
  /** Always `basic`. */
  strategy: 'basic';
}

/**
 * `Authorization: Basic` with the login handle and password (RFC 7617), checked by
 * {@link PasswordBackend} on every request (argon2id each time: meant for scripts and tools, not for
 * hot paths). Registered in Passport as `portcullis-basic`.
 */
@Injectable()
export class BasicStrategy
  extends PassportStrategy(Strategy, passportName(BASIC_STRATEGY))
  implements CredentialStrategy
{
  readonly strategyName = BASIC_STRATEGY;

  constructor(
    private readonly backend: PasswordBackend<object>,
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedBrowserOptions, 'realm'> &
      Pick<ResolvedThrottleOptions, 'trustProxy'>,
  ) {
    super();
  }

  /**
   * Not mine without a Basic header; otherwise the user of the decoded pair.
   *
   * @throws InvalidCredentialsException (also for a header that does not decode),
   * TooManyAttemptsException, ValidationFailedException
   */
  authenticateRequest(request: AuthRequest): Promise<[object, BasicLoginInfo]> | undefined {
    const authorization = readAuthorization(request);
    if (authorization?.scheme !== 'basic') return undefined;
    const credentials = decodeBasicCredentials(authorization.credentials);
    if (!credentials) throw new InvalidCredentialsException();
    return this.validate(request, credentials.username, credentials.password);
  }

  /** Called with the request and the decoded user-id and password. */
  async validate(
    request: AuthRequest,
    username: string,
    password: string,
  ): Promise<[object, BasicLoginInfo]> {
    const user = await this.backend.authenticate(username, password, {
      address: clientAddress(request, this.options.trustProxy),
      method: 'basic',
    });
    return [user, { strategy: BASIC_STRATEGY }];
  }

  /** Passport's entry point: {@link BasicStrategy.authenticateRequest}, reported to Passport. */
  override authenticate(request: AuthRequest): void {
    answerPassport(this as unknown as this & PassportActions, request, this.options.realm);
  }

  /** This strategy's `WWW-Authenticate` challenge. */
  challenge(realm: string): string {
    return `Basic realm=${quoted(realm)}, charset="UTF-8"`;
  }
}
