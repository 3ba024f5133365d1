import { Inject, Injectable } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import {
  EmailTakenException,
  InvalidOneTimeTokenException,
  ValidationFailedException,
} from '../errors/auth.exception.js';
import { AuthEvents } from '../events/auth-events.js';
import type { ResolvedMailOptions } from '../options/mail-options.resolver.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import { AccountService } from '../users/account.service.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { isUniqueViolation } from '../users/is-unique-violation.js';
import { UserCache } from '../users/user-cache.js';
import { UserService } from '../users/user.service.js';
import { AccountMail } from './account-mail.js';
import { mailKey, parseEmail } from './email-address.js';
import { OneTimeTokens } from './one-time-tokens.js';
import { VerifiedEmails } from './verified-emails.js';

/**
 * Change of email without HTTP: the request (password checked) mails a confirmation link to the new
 * address and a notice to the old one; only the confirmation changes the address, which is then
 * verified. Whether the new address is taken is said only in the message to that address. Also injectable, to run the flow from code of your own.
 */
@Injectable()
export class EmailChangeService<TUser extends object = AuthUser> {
  constructor(
    private readonly users: UserService<TUser>,
    private readonly accounts: AccountService<TUser>,
    private readonly cache: UserCache<TUser>,
    private readonly verified: VerifiedEmails,
    private readonly tokens: OneTimeTokens,
    private readonly mail: AccountMail,
    private readonly throttle: LoginThrottle,
    private readonly events: AuthEvents,
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedMailOptions, 'oneTimeTokens'>,
  ) {}

  /**
   * Checks the password (spending the login budgets), counts the request against the mail budgets
   * of the new address, then (after the answer) mails the new and the old address.
   *
   * @throws ValidationFailedException when `newEmail` is not an address, or is the current one.
   * @throws InvalidCredentialsException when the password is wrong.
   * @throws TooManyAttemptsException when a login or mail budget is spent.
   */
  async request(
    user: TUser,
    newEmail: unknown,
    password: string,
    address: string | undefined,
  ): Promise<void> {
    const to = parseEmail(newEmail, 'new_email');
    const current = this.users.emailOf(user);
    if (current !== undefined && mailKey(current) === mailKey(to)) {
      throw new ValidationFailedException([
        { field: 'new_email', message: 'new_email is the address the account has already.' },
      ]);
    }
    const stored = await this.accounts.confirmPassword(user, password, address);
    await this.throttle.beginMail(mailKey(to), address);
    const userId = this.users.idOf(stored);
    this.mail.later('Sending a change of email', async () => {
      const holder = await this.users.findByEmail(to);
      this.events.emit({ type: 'mail.requested', flow: 'email_change', userId, address });
      if (holder) {
        await this.mail.send('email_change', 'email_change_taken', to, stored);
      } else {
        const issued = await this.tokens.issue({
          purpose: 'email_change',
          userId,
          ttl: this.options.oneTimeTokens.emailChangeTtl,
          email: to,
        });
        await this.mail.send('email_change', 'email_change_confirmation', to, stored, {
          link: { page: 'confirmEmailChange', token: issued.token },
          expiresAt: issued.expiresAt,
          newEmail: to,
        });
      }
      if (current !== undefined) {
        await this.mail.send('email_change', 'email_change_notice', current, stored, {
          newEmail: to,
        });
      }
    });
  }

  /**
   * Applies a change of email from its confirmation token; the new address is verified by it.
   *
   * @throws InvalidOneTimeTokenException for an unknown, used, expired or voided token.
   * @throws EmailTakenException when another account took the address meanwhile.
   * @throws TooManyAttemptsException when the address's one-time-token budget is spent.
   */
  async confirm(token: unknown, address: string | undefined): Promise<void> {
    await this.throttle.beginOneTimeToken(address);
    let user: TUser | null = null;
    let row;
    try {
      row = await this.tokens.use('email_change', token, async (found) => {
        const id = this.users.parseId(found.userId);
        user = id === undefined ? null : await this.users.findById(id);
        return !!user && (user as AuthUser).isActive !== false && found.email !== null;
      });
    } catch (error) {
      if (error instanceof InvalidOneTimeTokenException) {
        this.events.emit({ type: 'one_time_token.rejected', flow: 'email_change', address });
      }
      throw error;
    }
    const changed = user as unknown as TUser;
    const email = row.email as string;
    const holder = await this.users.findByEmail(email);
    if (holder && this.users.idOf(holder) !== row.userId) throw new EmailTakenException();
    const field = this.users.emailField as string;
    const value = field === this.users.usernameField ? this.users.normalizeHandle(email) : email;
    try {
      await this.users.updateColumns(changed, { [field]: value } as unknown as Partial<TUser>);
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenException();
      throw error;
    }
    this.cache.invalidate(row.userId);
    await this.verified.markVerified(row.userId, email);
    // Links sent to the old address are void with it.
    await this.tokens.voidFor(row.userId, ['email_verification', 'password_reset', 'magic_link']);
    this.events.emit({ type: 'email.changed', userId: row.userId, address });
    this.events.emit({ type: 'email.verified', userId: row.userId, address });
  }
}
