import { Logger } from '@nestjs/common';
import { Mailer, type MailMessage } from './mailer.js';

/**
 * Writes each message to the log instead of sending it: the recipient, the subject and the text body,
 * links included, so a developer without an SMTP server can click through the flows. **Development
 * only**: those links are live one-time tokens, so it refuses to be built when `NODE_ENV` is
 * `production`.
 *
 * @example
 * ```ts
 * mail: { transport: process.env.SMTP_URL ?? new LogMailer(), from: 'dev@localhost', appUrl: 'http://localhost:3000' }
 * ```
 */
export class LogMailer extends Mailer {
  private readonly logger = new Logger('Portcullis mail');

  /** @throws Error when `NODE_ENV` is `production`. */
  constructor(env: NodeJS.ProcessEnv = process.env) {
    super();
    if (env.NODE_ENV === 'production') {
      throw new Error(
        'LogMailer writes live one-time links to the log and is refused in production: configure an SMTP transport (mail.transport).',
      );
    }
  }

  /** Logs the message. */
  async send(message: MailMessage): Promise<void> {
    this.logger.log(
      `Mail to ${message.to} (not sent: no SMTP server configured)\nSubject: ${message.subject}\n\n${message.text}`,
    );
  }
}
