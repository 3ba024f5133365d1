import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { PASSWORD_STRATEGY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedAuthOptions } from '../auth.resolved-options.js';
import { PasswordBackend } from '../backends/password.backend.js';
import {
  AuthException,
  InvalidCredentialsException,
  ValidationFailedException,
} from '../errors/auth.exception.js';
import type { AuthRequest, CredentialStrategy } from './credential-strategy.interface.js';
import { passportName } from './passport-name.js';
import { clientAddress } from '../throttle/client-address.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The login handle (`usernameField`) and `password` from a JSON or form body, via passport-local.
 * Only the body is read: credentials in a query string (which end up in logs) are ignored.
 */
@Injectable()
export class PasswordStrategy
  extends PassportStrategy(Strategy, passportName(PASSWORD_STRATEGY))
  implements CredentialStrategy
{
  readonly strategyName = PASSWORD_STRATEGY;
  private readonly usernameField: string;

  constructor(
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly backend: PasswordBackend<object>,
  ) {
    super({
      usernameField: options.usernameField,
      passwordField: 'password',
      session: false,
      passReqToCallback: true,
    });
    this.usernameField = options.usernameField;
  }

  /** Called by passport-local with the request and the two body fields, whatever their JSON types. */
  validate(request: AuthRequest, username: unknown, password: unknown): Promise<object> {
    return this.backend.authenticate(username, password, {
      address: clientAddress(request, this.options.trustProxy),
      method: 'password',
    });
  }

  override authenticate(request: AuthRequest, options?: object): void {
    // A view of the request whose query string is empty; everything else (headers, socket) reads through.
    const bodyOnly = Object.create(request, { query: { value: {} } }) as AuthRequest;
    super.authenticate(bodyOnly as never, options);
  }

  hasCredential(request: AuthRequest): boolean {
    const body = request.body;
    return isPlainObject(body) && (this.usernameField in body || 'password' in body);
  }

  failureToException(_challenge: unknown, status?: number): AuthException {
    if (status === 400) {
      return new ValidationFailedException([
        {
          field: 'body',
          message: `${this.usernameField} and password are both required, as non-empty strings.`,
        },
      ]);
    }
    return new InvalidCredentialsException();
  }

  challenge(): undefined {
    return undefined;
  }
}
