import { Inject, Injectable } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedAuthOptions } from '../auth.resolved-options.js';
import { PassportStrategy } from '@nestjs/passport';
import { BASIC_STRATEGY } from '../auth.constants.js';
import { PasswordBackend } from '../backends/password.backend.js';
import { AuthException, InvalidCredentialsException } from '../errors/auth.exception.js';
import { quoted, readAuthorization } from './authorization-header.js';
import type { AuthRequest, CredentialStrategy } from './credential-strategy.interface.js';
import { passportName } from './passport-name.js';
import { HttpBasicPassportStrategy } from './http-basic.passport-strategy.js';
import { clientAddress } from '../throttle/client-address.js';

/**
 * `Authorization: Basic` with the login handle and password, checked by {@link PasswordBackend} on
 * every request (argon2id each time: meant for scripts and tools, not for hot paths).
 */
@Injectable()
export class BasicStrategy
  extends PassportStrategy(HttpBasicPassportStrategy, passportName(BASIC_STRATEGY))
  implements CredentialStrategy
{
  readonly strategyName = BASIC_STRATEGY;

  constructor(
    private readonly backend: PasswordBackend<object>,
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedAuthOptions,
  ) {
    super();
  }

  /** Called with the request and the decoded user-id and password. */
  validate(request: AuthRequest, username: string, password: string): Promise<object> {
    return this.backend.authenticate(username, password, {
      address: clientAddress(request, this.options.trustProxy),
      method: 'basic',
    });
  }

  hasCredential(request: AuthRequest): boolean {
    return readAuthorization(request)?.scheme === 'basic';
  }

  failureToException(): AuthException {
    return new InvalidCredentialsException();
  }

  challenge(realm: string): string {
    return `Basic realm=${quoted(realm)}, charset="UTF-8"`;
  }
}
