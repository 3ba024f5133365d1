import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import { describeSafely } from '../errors/redacted-error.js';
import type { AccountFlow } from '../events/auth-event.js';
import { AuthEvents } from '../events/auth-events.js';
import { Mailer, type MailKind } from '../mail/mailer.js';
import { SmtpMailer } from '../mail/smtp-mailer.js';
import type { MailTemplateContext } from '../mail/mail-templates.js';
import type { ResolvedMailOptions } from '../options/mail-options.resolver.js';
import { UserService } from '../users/user.service.js';

/** The pages a link can open (`mail.links`). */
export type MailLink = keyof NonNullable<ResolvedMailOptions['mail']>['links'];

/** What a message says besides the user: its link, code, expiry, the new address. */
export interface MailDetails {
  link?: { page: MailLink; token: string };
  code?: string;
  expiresAt?: Date;
  newEmail?: string;
}

/**
 * Writes the account flows' messages from the templates and hands them to the {@link Mailer}, off the
 * request path: the answer never waits for SMTP, and a send that fails is logged (without the
 * message) and reported as `mail.failed`, never answered. Work still running at shutdown is awaited.
 * Internal.
 */
@Injectable()
export class AccountMail implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Portcullis');
  private readonly pending = new Set<Promise<void>>();
  private readonly settings: NonNullable<ResolvedMailOptions['mail']>;

  constructor(
    private readonly mailer: Mailer,
    private readonly users: UserService<object>,
    private readonly events: AuthEvents,
    @Inject(AUTH_RESOLVED_OPTIONS) options: Pick<ResolvedMailOptions, 'mail'>,
  ) {
    if (!options.mail) throw new Error('Portcullis: AccountMail needs the mail option.');
    this.settings = options.mail;
  }

  /** Runs `work` after the current request's answer; its errors are logged as `what`. */
  later(what: string, work: () => Promise<void>): void {
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => {
        this.logger.error(`${what} failed: ${describeSafely(error)}`);
      })
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  /**
   * Sends one message of `kind` to `to` about `user`. Resolves either way; false when the mailer
   * refused it.
   */
  async send(
    flow: AccountFlow,
    kind: MailKind,
    to: string,
    user: object,
    details: MailDetails = {},
  ): Promise<boolean> {
    const userId = this.users.idOf(user);
    try {
      const publicUser = this.users.toPublic(user);
      const handle = String(publicUser[this.users.usernameField] ?? '');
      const context: MailTemplateContext = {
        kind,
        user: publicUser,
        handle,
        to,
        appUrl: this.settings.appUrl,
        link: details.link && this.link(details.link.page, details.link.token),
        code: details.code,
        expiresAt: details.expiresAt,
        expiresInMinutes:
          details.expiresAt &&
          Math.max(1, Math.round((details.expiresAt.getTime() - Date.now()) / 60_000)),
        newEmail: details.newEmail,
      };
      const rendered = await this.settings.templates[kind](context);
      await this.mailer.send({ ...rendered, to, kind });
      return true;
    } catch (error) {
      // The error of a template or transport, never the message: it holds a live one-time token.
      this.logger.error(`Could not send the ${kind} message: ${describeSafely(error)}`);
      this.events.emit({ type: 'mail.failed', flow, userId });
      return false;
    }
  }

  /** Waits for messages still being sent. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pending]);
    if (this.mailer instanceof SmtpMailer) this.mailer.close();
  }

  private link(page: MailLink, token: string): string {
    return `${this.settings.appUrl}${this.settings.links[page]}?token=${encodeURIComponent(token)}`;
  }
}
