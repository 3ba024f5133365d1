import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { BASIC_STRATEGY } from '../auth.constants.js';
import { PasswordBackend } from '../backends/password.backend.js';
import { AuthException, InvalidCredentialsException } from '../errors/auth.exception.js';
import { quoted, readAuthorization } from './authorization-header.js';
import type { AuthRequest, CredentialStrategy } from './credential-strategy.interface.js';
import { passportName } from './passport-name.js';
import { HttpBasicPassportStrategy } from './http-basic.passport-strategy.js';

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

  constructor(private readonly backend: PasswordBackend<object>) {
    super();
  }

  /** Called with the decoded user-id and password. */
  validate(username: string, password: string): Promise<object> {
    return this.backend.authenticate(username, password);
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
