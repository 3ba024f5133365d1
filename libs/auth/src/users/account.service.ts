import { Injectable } from '@nestjs/common';
import { inTransaction } from '../database/in-transaction.js';
import {
  InvalidCredentialsException,
  ValidationFailedException,
} from '../errors/auth.exception.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { PasswordPolicy } from '../passwords/password-policy.js';
import { SessionService } from '../sessions/session.service.js';
import type { AuthUser } from './auth-user.interface.js';
import { UserCache } from './user-cache.js';
import { AuthEvents } from '../events/auth-events.js';
import { isServiceUnavailableError } from '../errors/is-service-unavailable-error.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import { UserService } from './user.service.js';

/**
 * Account operations that touch both users and their sessions: changing a password (which ends the
 * user's other sessions), setting one from an administrator's shell (which ends all of them) and
 * deactivating a user (which ends all of them too).
 */
@Injectable()
export class AccountService<TUser extends object = AuthUser> {
  constructor(
    private readonly users: UserService<TUser>,
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly cache: UserCache<TUser>,
    private readonly policy: PasswordPolicy,
    private readonly events: AuthEvents,
    private readonly throttle: LoginThrottle,
  ) {}

  /**
   * Changes a password after checking the current one, and ends every other session of the user.
   * The current password is checked before the password rules, so a caller who does not know it
   * (someone holding a stolen access token) learns nothing about what the account would accept.
   *
   * The check spends the login budgets ({@link LoginThrottle}): the user's handle and `address`
   * count it like a login attempt, before the password is checked, and a right password takes the
   * attempt back as a successful login does. So a stolen token cannot guess faster than a login form.
   *
   * @param keepSessionId the session making the change, which stays logged in.
   * @param address the client address, counted against the per-address login budget.
   * @throws InvalidCredentialsException when `currentPassword` is wrong (nothing is changed).
   * @throws TooManyAttemptsException when the handle's or the address's login budget is spent,
   * whatever the password (nothing is changed).
   * @throws ValidationFailedException when a password is not a non-empty string, or
   * `currentPassword` is over `maxPasswordBytes`.
   * @throws InvalidPasswordException when `newPassword` breaks the password rules (nothing is
   * changed); every failed rule is listed under the field `new_password`.
   */
  async changePassword(
    user: TUser,
    currentPassword: string,
    newPassword: string,
    keepSessionId?: string,
    address?: string,
  ): Promise<void> {
    assertNonEmpty(newPassword, 'new_password');
    const stored = await this.confirmPassword(user, currentPassword, address);
    await this.policy.assertValid(newPassword, this.policy.contextOf(stored), 'new_password');
    await this.replacePassword(stored, newPassword, 'self', keepSessionId);
  }

  /**
   * Checks the password of a signed-in user before a sensitive change (a new password, a new email
   * address). It spends the login budgets like {@link AccountService.changePassword} does.
   *
   * @returns the user as stored, with its password hash.
   * @throws InvalidCredentialsException when `password` is wrong.
   * @throws TooManyAttemptsException when the handle's or the address's login budget is spent.
   * @throws ValidationFailedException when `password` is not a non-empty string or is too long.
   */
  async confirmPassword(user: TUser, password: string, address?: string): Promise<TUser> {
    this.hasher.assertAcceptable(password);
    const id = this.users.idFromEntity(user);
    const handle = (user as Record<string, unknown>)[this.users.usernameField];
    // The handle's budget is the one logins spend, so guesses here and at the login form add up.
    const attempt = await this.throttle.beginLogin(
      typeof handle === 'string' ? this.users.normalizeHandle(handle) : `id:${String(id)}`,
      address,
    );
    let stored: TUser | null;
    let matches: boolean;
    try {
      stored = id === undefined ? null : await this.users.findById(id, { withPasswordHash: true });
      const hash = (stored as AuthUser | null)?.passwordHash;
      matches =
        typeof hash === 'string' && hash.length > 0
          ? await this.hasher.verify(hash, password)
          : await this.hasher.verifyDummy(password);
    } catch (error) {
      if (isServiceUnavailableError(error)) await this.throttle.loginAborted(attempt);
      throw error;
    }
    if (!stored || !matches) throw new InvalidCredentialsException();
    await this.throttle.loginSucceeded(attempt);
    return stored;
  }

  /**
   * Sets the password of a user who proved they hold their address (a password-reset link): checks
   * it against the password rules, stores it, and ends every session of the user.
   *
   * @throws InvalidPasswordException when it breaks the password rules (nothing is changed); every
   * failed rule is listed under `new_password`.
   */
  async resetPassword(user: TUser, newPassword: string): Promise<void> {
    await this.assertNewPassword(user, newPassword);
    await this.replacePassword(user, newPassword, 'reset');
  }

  /**
   * Checks a new password of `user` against the length limit and the password rules, listing every
   * failure under `new_password`.
   *
   * @throws ValidationFailedException when it is not a non-empty string or is too long.
   * @throws InvalidPasswordException when it breaks the password rules.
   */
  async assertNewPassword(user: TUser, newPassword: unknown): Promise<void> {
    assertNonEmpty(newPassword, 'new_password');
    this.hasher.assertAcceptable(newPassword);
    await this.policy.assertValid(newPassword, this.policy.contextOf(user), 'new_password');
  }

  /**
   * Sets a new password without asking for the current one (the `changepassword` command, an admin
   * tool): checks it against the password rules, stores it, and ends every session of the user.
   *
   * @throws ValidationFailedException when `newPassword` is not a non-empty string.
   * @throws InvalidPasswordException when it breaks the password rules (nothing is changed).
   */
  async setPassword(user: TUser, newPassword: string): Promise<void> {
    assertNonEmpty(newPassword, 'password');
    await this.policy.assertValid(newPassword, this.policy.contextOf(user));
    await this.replacePassword(user, newPassword, 'admin');
  }

  /** Deactivates a user: no login, and every session and token of theirs stops working at once. */
  async deactivate(user: TUser): Promise<void> {
    await this.users.updateColumns(user, { isActive: false } as unknown as Partial<TUser>);
    (user as AuthUser).isActive = false;
    this.cache.invalidate(this.users.idOf(user));
    await this.sessions.endAllForUser(this.users.idOf(user), 'deactivated');
  }

  private async replacePassword(
    user: TUser,
    password: string,
    via: 'self' | 'admin' | 'reset',
    keepSessionId?: string,
  ) {
    const id = this.users.idOf(user);
    // One commit: an outage half-way must not leave a new password with the old sessions still live.
    await inTransaction(this.users.repository.manager.dataSource, async (manager) => {
      await this.users.setPassword(user, password, manager);
      await this.sessions.endAllForUser(id, 'password_changed', keepSessionId, manager);
    });
    this.cache.invalidate(id);
    this.events.emit({ type: 'password.changed', userId: id, via });
  }
}

function assertNonEmpty(password: unknown, field: string): asserts password is string {
  if (typeof password !== 'string' || password.length === 0) {
    throw new ValidationFailedException([
      { field, message: `${field} must be a non-empty string.` },
    ]);
  }
}
