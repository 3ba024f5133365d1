import { Injectable, Logger } from '@nestjs/common';
import {
  InvalidCredentialsException,
  ValidationFailedException,
} from '../errors/auth.exception.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserService } from '../users/user.service.js';

/**
 * Turns a login handle and a password into a user, or an `invalid_credentials` failure. Knows nothing
 * of HTTP.
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
  ) {}

  /**
   * @returns the user, without its password hash.
   * @throws ValidationFailedException when a field is not a non-empty string or the password is too long.
   * @throws InvalidCredentialsException when the pair does not authenticate.
   */
  async authenticate(handle: unknown, password: unknown): Promise<TUser> {
    const field = this.users.usernameField;
    if (typeof handle !== 'string' || handle.length === 0) {
      throw new ValidationFailedException([
        { field, message: `${field} must be a non-empty string.` },
      ]);
    }
    this.hasher.assertAcceptable(password);
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
      this.logger.warn(`Could not upgrade a password hash: ${(error as Error).message}`);
    }
  }
}
