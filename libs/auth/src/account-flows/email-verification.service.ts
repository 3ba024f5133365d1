import { Inject, Injectable } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import {
  EmailNotVerifiedException,
  InvalidOneTimeTokenException,
  TooManyAttemptsException,
} from '../errors/auth.exception.js';
import { AuthEvents } from '../events/auth-events.js';
import type { ResolvedMailOptions } from '../options/mail-options.resolver.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserService } from '../users/user.service.js';
import { AccountMail } from './account-mail.js';
import { mailKey } from './email-address.js';
import { OneTimeTokens } from './one-time-tokens.js';
import { VerifiedEmails } from './verified-emails.js';

/**
 * Email verification without HTTP: a link mailed at registration (and on request), its token marking
 * the address verified, and, with `requireVerifiedEmail`, the refusal of unverified logins. A token
 * is bound to the address it was sent to: once the user's address changes it is void. Also injectable, to run the flow from code of your own.
 */
@Injectable()
export class EmailVerificationService<TUser extends object = AuthUser> {
  constructor(
    private readonly users: UserService<TUser>,
    private readonly verified: VerifiedEmails,
    private readonly tokens: OneTimeTokens,
    private readonly mail: AccountMail,
    private readonly throttle: LoginThrottle,
    private readonly events: AuthEvents,
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedMailOptions, 'oneTimeTokens'>,
  ) {}

  /** After the answer, mails a verification link to the user's address (if it has one). */
  sendLater(user: TUser, address?: string): void {
    this.mail.later('Sending an email verification', () => this.send(user, address));
  }

  /**
   * Counts a resend against the mail budgets, then (after the answer) mails a new link unless the
   * address is verified already.
   *
   * @throws TooManyAttemptsException when a budget is spent.
   */
  async resend(user: TUser, address: string | undefined): Promise<void> {
    const email = this.users.emailOf(user);
    await this.throttle.beginMail(mailKey(email ?? `id:${this.users.idOf(user)}`), address);
    if (email === undefined || (await this.verified.isVerified(user))) return;
    this.sendLater(user, address);
  }

  /**
   * Marks the address a token was sent to as verified, if it is still the user's address.
   *
   * @throws InvalidOneTimeTokenException for an unknown, used, expired or voided token, or one for an
   * address the user no longer has.
   * @throws TooManyAttemptsException when the address's one-time-token budget is spent.
   */
  async verify(token: unknown, address: string | undefined): Promise<void> {
    await this.throttle.beginOneTimeToken(address);
    let user: TUser | null = null;
    try {
      const row = await this.tokens.use('email_verification', token, async (found) => {
        const id = this.users.parseId(found.userId);
        user = id === undefined ? null : await this.users.findById(id);
        const email = user && this.users.emailOf(user);
        return !!email && found.email !== null && mailKey(email) === found.email;
      });
      await this.verified.markVerified(row.userId, row.email as string);
      this.events.emit({ type: 'email.verified', userId: row.userId, address });
    } catch (error) {
      if (error instanceof InvalidOneTimeTokenException) {
        this.events.emit({ type: 'one_time_token.rejected', flow: 'email_verification', address });
      }
      throw error;
    }
  }

  /** Whether the user's address is verified. */
  async isVerified(user: TUser): Promise<boolean> {
    return this.verified.isVerified(user);
  }

  /**
   * With `requireVerifiedEmail`, refuses a login whose password was right when the address is not
   * verified, after mailing a new link (unless the mail budgets are spent, which changes nothing in
   * the answer).
   *
   * @throws EmailNotVerifiedException
   */
  async admitLogin(user: TUser, address: string | undefined): Promise<void> {
    if (!this.verified.required || (await this.verified.isVerified(user))) return;
    try {
      await this.resend(user, address);
    } catch (error) {
      if (!(error instanceof TooManyAttemptsException)) throw error;
    }
    throw new EmailNotVerifiedException();
  }

  private async send(user: TUser, address?: string): Promise<void> {
    const email = this.users.emailOf(user);
    if (email === undefined) return;
    const userId = this.users.idOf(user);
    const issued = await this.tokens.issue({
      purpose: 'email_verification',
      userId,
      ttl: this.options.oneTimeTokens.emailVerificationTtl,
      email: mailKey(email),
    });
    this.events.emit({ type: 'mail.requested', flow: 'email_verification', userId, address });
    await this.mail.send('email_verification', 'email_verification', email, user, {
      link: { page: 'verifyEmail', token: issued.token },
      expiresAt: issued.expiresAt,
    });
  }
}
