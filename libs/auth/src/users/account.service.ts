import { Injectable } from '@nestjs/common';
import { InvalidCredentialsException } from '../errors/auth.exception.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { SessionService } from '../sessions/session.service.js';
import type { AuthUser } from './auth-user.interface.js';
import { UserCache } from './user-cache.js';
import { UserService } from './user.service.js';

/**
 * Account operations that touch both users and their sessions: changing a password (which ends the
 * user's other sessions) and deactivating a user (which ends all of them).
 */
@Injectable()
export class AccountService<TUser extends object = AuthUser> {
  constructor(
    private readonly users: UserService<TUser>,
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly cache: UserCache<TUser>,
  ) {}

  /**
   * Changes a password after checking the current one, and ends every other session of the user.
   *
   * @param keepSessionId the session making the change, which stays logged in.
   * @throws InvalidCredentialsException when `currentPassword` is wrong (nothing is changed).
   * @throws ValidationFailedException when `newPassword` is unusable.
   */
  async changePassword(
    user: TUser,
    currentPassword: string,
    newPassword: string,
    keepSessionId?: string,
  ): Promise<void> {
    this.hasher.assertAcceptable(currentPassword);
    this.hasher.assertAcceptable(newPassword);
    const id = this.users.idFromEntity(user);
    const stored =
      id === undefined ? null : await this.users.findById(id, { withPasswordHash: true });
    const hash = (stored as AuthUser | null)?.passwordHash;
    const matches =
      typeof hash === 'string' && hash.length > 0
        ? await this.hasher.verify(hash, currentPassword)
        : await this.hasher.verifyDummy(currentPassword);
    if (!stored || !matches) throw new InvalidCredentialsException();
    await this.users.setPassword(stored, newPassword);
    this.cache.invalidate(this.users.idOf(stored));
    await this.sessions.endAllForUser(this.users.idOf(stored), 'password_changed', keepSessionId);
  }

  /** Deactivates a user: no login, and every session and token of theirs stops working at once. */
  async deactivate(user: TUser): Promise<void> {
    await this.users.updateColumns(user, { isActive: false } as unknown as Partial<TUser>);
    (user as AuthUser).isActive = false;
    this.cache.invalidate(this.users.idOf(user));
    await this.sessions.endAllForUser(this.users.idOf(user), 'deactivated');
  }
}
