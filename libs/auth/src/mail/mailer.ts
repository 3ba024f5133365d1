/** What Portcullis sends: one message to one address, as plain text and HTML. */
export interface MailMessage {
  /** The recipient's address. */
  to: string;
  /** The subject line. */
  subject: string;
  /** The plain-text body (every link is in it, so a text-only reader can follow them). */
  text: string;
  /** The HTML body. */
  html: string;
  /** Which message this is, for a mailer that routes or tags messages. */
  kind: MailKind;
}

/**
 * The messages the account flows send: `password_reset` (a reset link), `email_verification` (a
 * verification link), `email_change_confirmation` (to the new address), `email_change_taken` (to the
 * new address when it already belongs to an account), `email_change_notice` (to the old address) and
 * `magic_link` (a sign-in link and code).
 */
export type MailKind =
  | 'password_reset'
  | 'email_verification'
  | 'email_change_confirmation'
  | 'email_change_taken'
  | 'email_change_notice'
  | 'magic_link';

/**
 * Sends Portcullis' messages. An abstract class, used directly as the Nest injection token (like
 * `ThrottleStore`): `mail.transport` picks {@link SmtpMailer} (an SMTP URL or a nodemailer transport)
 * or takes an instance of your own subclass, e.g. one that calls a mail provider's HTTP API.
 *
 * A mailer may throw or reject when a message cannot be sent. The account flows send off the request
 * path and log such a failure (never the message, which holds a one-time token); the client's answer
 * is the same either way.
 *
 * @example
 * ```ts
 * class ProviderMailer extends Mailer {
 *   async send(message: MailMessage) {
 *     await provider.messages.create({ to: message.to, subject: message.subject, text: message.text, html: message.html });
 *   }
 * }
 * AuthModule.forRoot({ mail: { transport: new ProviderMailer(), from: 'Notes <no-reply@example.com>', appUrl: 'https://notes.example' } })
 * ```
 */
export abstract class Mailer {
  /** Sends one message; rejects when it cannot be handed over. */
  abstract send(message: MailMessage): Promise<void>;
}
