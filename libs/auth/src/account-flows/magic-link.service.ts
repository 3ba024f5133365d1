import { Inject, Injectable } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import { InvalidOneTimeTokenException } from '../errors/auth.exception.js';
import { isServiceUnavailableError } from '../errors/is-service-unavailable-error.js';
import { AuthEvents } from '../events/auth-events.js';
import type { ResolvedMailOptions } from '../options/mail-options.resolver.js';
import { LoginThrottle } from '../throttle/login-throttle.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserService } from '../users/user.service.js';
import { AccountMail } from './account-mail.js';
import { mailKey, parseEmail } from './email-address.js';
import type { OneTimeToken } from './one-time-token.entity.js';
import { OneTimeTokens } from './one-time-tokens.js';
import { VerifiedEmails } from './verified-emails.js';

/**
 * Sign-in by mail without HTTP: a link and a 6-digit code, either of which signs in once within
 * `oneTimeTokens.magicLinkTtl`; `magicLinkMaxAttempts` wrong codes void both. Following either proves
 * the address, so it counts as verified too; a change of the account's address voids both. Also
 * injectable, to run the flow from code of your own.
 */
@Injectable()
export class MagicLinkService<TUser extends object = AuthUser> {
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

  /**
   * Counts the request against the mail budgets, then (after the answer) mails a link and a code to
   * the active account with `email`, if there is one.
   *
   * @throws ValidationFailedException when `email` is not an address.
   * @throws TooManyAttemptsException when a budget is spent.
   */
  async request(email: unknown, address: string | undefined): Promise<void> {
    const to = parseEmail(email, 'email');
    await this.throttle.beginMail(mailKey(to), address);
    this.mail.later('Sending a sign-in link', async () => {
      const user = await this.users.findByEmail(to);
      if (!user || (user as AuthUser).isActive === false) {
        this.events.emit({ type: 'mail.requested', flow: 'magic_link', address });
        return;
      }
      const userId = this.users.idOf(user);
      const recipient = this.users.emailOf(user) ?? to;
      const issued = await this.tokens.issue({
        purpose: 'magic_link',
        userId,
        ttl: this.options.oneTimeTokens.magicLinkTtl,
        // The address it goes to: once the account's address is another, the link is void.
        email: recipient,
        withCode: true,
      });
      this.events.emit({ type: 'mail.requested', flow: 'magic_link', userId, address });
      await this.mail.send('magic_link', 'magic_link', recipient, user, {
        link: { page: 'magicLink', token: issued.token },
        code: issued.code,
        expiresAt: issued.expiresAt,
      });
    });
  }

  /**
   * The user a sign-in token or code belongs to, using it up. The caller starts the session.
   *
   * @throws ValidationFailedException when `email` is given but is not an address.
   * @throws InvalidOneTimeTokenException for an unknown, used, expired or voided token, a wrong code,
   * an account that is gone or inactive, or one whose address is no longer the one the message went
   * to.
   * @throws TooManyAttemptsException when the address's one-time-token budget is spent, or, for a
   * code, the address's code budget (`throttle.loginPerHandle`, across re-sent codes).
   */
  async signIn(
    credential: { token: unknown } | { email: unknown; code: string },
    address: string | undefined,
  ): Promise<TUser> {
    await this.throttle.beginOneTimeToken(address);
    const via = 'token' in credential ? 'link' : 'code';
    let userId: string | undefined;
    // Codes of one address share the login budget of a handle (`throttle.loginPerHandle`), across
    // re-sent codes and client addresses: a new code does not buy new guesses.
    const attempt =
      'token' in credential
        ? undefined
        : await this.throttle.beginLogin(
            `magic-code:${mailKey(parseEmail(credential.email, 'email'))}`,
            address,
          );
    try {
      let row: OneTimeToken;
      if ('token' in credential) {
        row = await this.tokens.use('magic_link', credential.token);
      } else {
        const holder = await this.users.findByEmail(parseEmail(credential.email, 'email'));
        userId = holder ? this.users.idOf(holder) : undefined;
        row = await this.tokens.useCode(
          'magic_link',
          userId,
          credential.code,
          this.options.oneTimeTokens.magicLinkMaxAttempts,
        );
      }
      const id = this.users.parseId(row.userId);
      const user = id === undefined ? null : await this.users.findById(id);
      const email = user ? this.users.emailOf(user) : undefined;
      if (
        !user ||
        (user as AuthUser).isActive === false ||
        email === undefined ||
        row.email === null ||
        mailKey(row.email) !== mailKey(email)
      ) {
        throw new InvalidOneTimeTokenException();
      }
      await this.verified.markVerified(row.userId, email);
      if (attempt) await this.throttle.loginSucceeded(attempt);
      this.events.emit({ type: 'login.magic_link', userId: row.userId, via, address });
      return user;
    } catch (error) {
      if (attempt && isServiceUnavailableError(error)) await this.throttle.loginAborted(attempt);
      if (error instanceof InvalidOneTimeTokenException) {
        this.events.emit({ type: 'one_time_token.rejected', flow: 'magic_link', userId, address });
      }
      throw error;
    }
  }
}
