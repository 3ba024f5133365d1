import { Injectable, Logger, Optional } from '@nestjs/common';
import { EmailVerificationService } from '../account-flows/email-verification.service.js';
import {
  EmailNotVerifiedException,
  InvalidCredentialsException,
  ValidationFailedException,
} from '../errors/auth.exception.js';
import { isServiceUnavailableError } from '../errors/is-service-unavailable-error.js';
import { describeSafely } from '../errors/redacted-error.js';
import type { LoginMethod } from '../events/auth-event.js';
import { AuthEvents } from '../events/auth-events.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserService } from '../users/user.service.js';

/** Where a login attempt comes from: the client address (for throttling) and the route kind. */
export interface LoginContext {
  /** The client address; attempts are counted per address as well as per handle when it is known. */
  address?: string;
  /** Reported in auth events. @default 'password' */
  method?: LoginMethod;
}

/**
 * Turns a login handle and a password into a user, or an `invalid_credentials` failure. Knows nothing
 * of HTTP. Attempts are throttled ({@link LoginThrottle}) and reported ({@link AuthEvents}).
 *
 * An unknown handle costs exactly one (dummy) verify, like a known one; an unknown handle, a wrong
 * password and an inactive account all throw the same {@link InvalidCredentialsException}. A successful
 * login with a hash made under other parameters stores a fresh hash.
 */
@Injectable()
export class PasswordBackend<TUser extends object = AuthUser> {
  private readonly logger = new Logger('Portcullis');

  constructor(
    private readonly users: UserService<TUser>,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly events: AuthEvents,
    @Optional() private readonly emailVerification?: EmailVerificationService<TUser>,
  ) {}

  /**
   * @returns the user, without its password hash.
   * @throws ValidationFailedException when a field is not a non-empty string or the password is too long.
   * @throws InvalidCredentialsException when the pair does not authenticate.
   * @throws EmailNotVerifiedException with `requireVerifiedEmail`, when the pair is right but the
   *   account's address is not verified.
   * @throws TooManyAttemptsException when the handle's or the address's budget is spent, before any
   *   password check.
   */
  async authenticate(
    handle: unknown,
    password: unknown,
    context: LoginContext = {},
  ): Promise<TUser> {
    const field = this.users.usernameField;
    if (typeof handle !== 'string' || handle.length === 0) {
      throw new ValidationFailedException([
        { field, message: `${field} must be a non-empty string.` },
      ]);
    }
    this.hasher.assertAcceptable(password);
    const normalized = this.users.normalizeHandle(handle);
    const method = context.method ?? 'password';
    const attempt = await this.throttle.beginLogin(normalized, context.address);
    let user: TUser;
    try {
      user = await this.check(handle, password);
    } catch (error) {
      if (error instanceof InvalidCredentialsException) {
        this.events.emit({
          type: 'login.failed',
          handle: normalized,
          reason: error.code,
          method,
          address: context.address,
        });
      } else if (isServiceUnavailableError(error)) {
        await this.throttle.loginAborted(attempt);
      }
      throw error;
    }
    await this.throttle.loginSucceeded(attempt);
    // Only now, after the right password, may the answer tell that the address is unverified.
    try {
      await this.emailVerification?.admitLogin(user, context.address);
    } catch (error) {
      if (error instanceof EmailNotVerifiedException) {
        this.events.emit({
          type: 'login.failed',
          handle: normalized,
          reason: error.code,
          method,
          address: context.address,
        });
      }
      throw error;
    }
    this.events.emit({
      type: 'login.succeeded',
      userId: this.users.idOf(user),
      handle: normalized,
      method,
      address: context.address,
    });
    return user;
  }

  private async check(handle: string, password: string): Promise<TUser> {
    const user = await this.users.findByHandle(handle, { withPasswordHash: true });
    const storedHash = (user as AuthUser | null)?.passwordHash;
    if (!user || typeof storedHash !== 'string' || storedHash.length === 0) {
      await this.hasher.verifyDummy(password);
      throw new InvalidCredentialsException();
    }
    const matches = await this.hasher.verify(storedHash, password);
    if (!matches || (user as AuthUser).isActive === false) throw new InvalidCredentialsException();
    if (this.hasher.needsRehash(storedHash)) await this.upgradeHash(user, password);
    delete (user as AuthUser).passwordHash;
    return user;
  }

  private async upgradeHash(user: TUser, password: string): Promise<void> {
    try {
      await this.users.setPassword(user, password);
    } catch (error) {
      // The login itself succeeded; a failed upgrade is retried on the next login.
      this.logger.warn(`Could not upgrade a password hash: ${describeSafely(error)}`);
    }
  }
}
