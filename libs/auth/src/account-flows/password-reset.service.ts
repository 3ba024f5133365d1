import { Inject, Injectable } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import { InvalidOneTimeTokenException } from '../errors/auth.exception.js';
import { AuthEvents } from '../events/auth-events.js';
import type { ResolvedMailOptions } from '../options/mail-options.resolver.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import { AccountService } from '../users/account.service.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserService } from '../users/user.service.js';
import { AccountMail } from './account-mail.js';
import { mailKey, parseEmail } from './email-address.js';
import { OneTimeTokens, passwordStamp } from './one-time-tokens.js';

/**
 * Password reset by mail, without HTTP: {@link PasswordResetService.request} mails a link whether or
 * not the address has an account (the caller cannot tell), {@link PasswordResetService.reset} sets
 * the password from the link's token. A token is void once used, once it expires, once a newer one is
 * issued, and once the password changes by any means. Also injectable, to run the flow from code of your own.
 */
@Injectable()
export class PasswordResetService<TUser extends object = AuthUser> {
  constructor(
    private readonly users: UserService<TUser>,
    private readonly accounts: AccountService<TUser>,
    private readonly tokens: OneTimeTokens,
    private readonly mail: AccountMail,
    private readonly throttle: LoginThrottle,
    private readonly events: AuthEvents,
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedMailOptions, 'oneTimeTokens'>,
  ) {}

  /**
   * Counts the request against the mail budgets, then (after the answer) mails a reset link to the
   * account with `email`, if there is one and it is active.
   *
   * @throws ValidationFailedException when `email` is not an address.
   * @throws TooManyAttemptsException when the address's or the email's budget is spent.
   */
  async request(email: unknown, address: string | undefined): Promise<void> {
    const to = parseEmail(email, 'email');
    await this.throttle.beginMail(mailKey(to), address);
    this.mail.later('Sending a password reset', async () => {
      const user = await this.users.findByEmail(to, { withPasswordHash: true });
      if (!user || (user as AuthUser).isActive === false) {
        this.events.emit({ type: 'mail.requested', flow: 'password_reset', address });
        return;
      }
      const userId = this.users.idOf(user);
      const issued = await this.tokens.issue({
        purpose: 'password_reset',
        userId,
        ttl: this.options.oneTimeTokens.passwordResetTtl,
        stamp: passwordStamp(user),
      });
      this.events.emit({ type: 'mail.requested', flow: 'password_reset', userId, address });
      await this.mail.send(
        'password_reset',
        'password_reset',
        this.users.emailOf(user) ?? to,
        user,
        {
          link: { page: 'resetPassword', token: issued.token },
          expiresAt: issued.expiresAt,
        },
      );
    });
  }

  /**
   * Sets a new password from a reset token and ends every session of the user. The password rules
   * run before the token is used up, so a rejected password can be retried with the same link.
   *
   * @throws InvalidOneTimeTokenException for an unknown, used, expired or voided token.
   * @throws InvalidPasswordException when the new password breaks the rules.
   * @throws TooManyAttemptsException when the address's one-time-token budget is spent.
   */
  async reset(token: unknown, newPassword: string, address: string | undefined): Promise<void> {
    await this.throttle.beginOneTimeToken(address);
    const row = await this.tokens.find('password_reset', token);
    const id = row ? this.users.parseId(row.userId) : undefined;
    const user =
      id === undefined ? null : await this.users.findById(id, { withPasswordHash: true });
    if (
      !row ||
      !user ||
      (user as AuthUser).isActive === false ||
      row.stamp !== passwordStamp(user)
    ) {
      this.events.emit({ type: 'one_time_token.rejected', flow: 'password_reset', address });
      throw new InvalidOneTimeTokenException();
    }
    await this.accounts.assertNewPassword(user, newPassword);
    if (!(await this.tokens.claim(row))) {
      this.events.emit({ type: 'one_time_token.rejected', flow: 'password_reset', address });
      throw new InvalidOneTimeTokenException();
    }
    await this.accounts.resetPassword(user, newPassword);
  }
}
