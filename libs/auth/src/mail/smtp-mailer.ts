import { Mailer, type MailMessage } from './mailer.js';

/**
 * What {@link SmtpMailer} needs of a nodemailer transport (`nodemailer.createTransport(...)`); any
 * object with such a `sendMail` works.
 */
export interface MailTransport {
  /** Hands one message over; resolves once the server accepted it. */
  sendMail(message: {
    from: string;
    to: string;
    subject: string;
    text: string;
    html: string;
  }): Promise<unknown>;
  /** Closes pooled connections; called at shutdown when present. */
  close?(): void;
}

interface NodemailerModule {
  createTransport(settings: unknown): MailTransport;
}

/**
 * Sends mail over SMTP through nodemailer (an optional peer dependency: `npm install nodemailer`).
 * Built by the module from `mail.transport` when it is an SMTP URL (`smtp://user:pass@host:587`,
 * `smtps://...`), nodemailer transport settings, or a transport made with `nodemailer.createTransport`.
 */
export class SmtpMailer extends Mailer {
  /**
   * @param transport a nodemailer transport (or anything with its `sendMail`).
   * @param from the sender, e.g. `Notes <no-reply@notes.example>`.
   */
  constructor(
    private readonly transport: MailTransport,
    private readonly from: string,
    private readonly ownsTransport = false,
  ) {
    super();
  }

  /**
   * A mailer over a transport that nodemailer makes from a URL or its transport settings.
   *
   * @throws Error naming the missing package when nodemailer is not installed.
   */
  static async create(settings: string | object, from: string): Promise<SmtpMailer> {
    let nodemailer: NodemailerModule;
    try {
      const loaded = (await import('nodemailer')) as unknown as {
        default?: NodemailerModule;
      } & NodemailerModule;
      nodemailer = loaded.default ?? loaded;
    } catch {
      throw new Error(
        'mail.transport is an SMTP URL or nodemailer settings, which need the nodemailer package: npm install nodemailer',
      );
    }
    return new SmtpMailer(nodemailer.createTransport(settings), from, true);
  }

  /** Sends one message to the SMTP server. */
  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
  }

  /** Closes the transport's connections when this mailer made it (a transport you gave stays yours). */
  close(): void {
    if (this.ownsTransport) this.transport.close?.();
  }
}
