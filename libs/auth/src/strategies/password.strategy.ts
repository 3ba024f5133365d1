import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { PASSWORD_STRATEGY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import type { ResolvedThrottleOptions } from '../options/throttle-options.resolver.js';
import type { ResolvedUserOptions } from '../options/user-options.resolver.js';
import { PasswordBackend } from '../backends/password.backend.js';
import { ValidationFailedException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { clientAddress } from '../http-request/client-address.js';
import type { CredentialStrategy } from './credential-strategy.interface.js';
import { answerPassport, type PassportActions } from './passport-protocol.js';
import { passportName } from './passport-name.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a login with a handle and password in the body puts on `request.authInfo`. */
export interface PasswordLoginInfo {
  /** Always `password`. */
  strategy: 'password';
}

/**
 * The login handle (`usernameField`) and `password` from a JSON or form body. Only the body is read:
 * credentials in a query string (which end up in logs) are ignored. It is passport-local's
 * `Strategy`, registered in Passport as `portcullis-password`; its Passport `authenticate()` runs
 * {@link PasswordStrategy.authenticateRequest}.
 */
@Injectable()
export class PasswordStrategy
  extends PassportStrategy(Strategy, passportName(PASSWORD_STRATEGY))
  implements CredentialStrategy
{
  readonly strategyName = PASSWORD_STRATEGY;
  private readonly usernameField: string;

  constructor(
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedBrowserOptions, 'realm'> &
      Pick<ResolvedThrottleOptions, 'trustProxy'> &
      Pick<ResolvedUserOptions, 'usernameField'>,
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

  /**
   * Not mine unless the body names the handle field or `password`; a body with either missing or
   * empty is a 400 `validation_failed`, as passport-local's "missing credentials".
   *
   * @throws ValidationFailedException, InvalidCredentialsException, TooManyAttemptsException
   */
  authenticateRequest(request: AuthRequest): Promise<[object, PasswordLoginInfo]> | undefined {
    const body = request.body;
    if (!isPlainObject(body) || !(this.usernameField in body || 'password' in body)) {
      return undefined;
    }
    const username = body[this.usernameField];
    const password = body.password;
    if (!username || !password) {
      throw new ValidationFailedException([
        {
          field: 'body',
          message: `${this.usernameField} and password are both required, as non-empty strings.`,
        },
      ]);
    }
    return this.validate(request, username, password);
  }

  /** Called with the request and the two body fields, whatever their JSON types. */
  async validate(
    request: AuthRequest,
    username: unknown,
    password: unknown,
  ): Promise<[object, PasswordLoginInfo]> {
    const user = await this.backend.authenticate(username, password, {
      address: clientAddress(request, this.options.trustProxy),
      method: 'password',
    });
    return [user, { strategy: PASSWORD_STRATEGY }];
  }

  /** Passport's entry point: {@link PasswordStrategy.authenticateRequest}, reported to Passport. */
  override authenticate(request: AuthRequest): void {
    answerPassport(this as unknown as this & PassportActions, request, this.options.realm);
  }
}
