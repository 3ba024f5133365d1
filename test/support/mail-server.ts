import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message the test SMTP server received, parsed. */
export interface ReceivedMail {
  /** The envelope recipients. */
  to: string[];
  /** The From header. */
  from: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * A real SMTP server on a free loopback port (the `smtp-server` package) that keeps every message it
 * receives, parsed with `mailparser`, so a test reads what a user's inbox would get.
 */
export class TestMailServer {
  readonly messages: ReceivedMail[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: SMTPServer,
    /** `smtp://127.0.0.1:<port>`, for `mail.transport`. */
    readonly url: string,
  ) {}

  /** Starts a server; `reject` makes it refuse every message (a mail outage). */
  static async start(options: { reject?: () => boolean } = {}): Promise<TestMailServer> {
    const box: { self?: TestMailServer } = {};
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        if (options.reject?.()) {
          stream.resume();
          stream.on('end', () => callback(new Error('Mailbox unavailable')));
          return;
        }
        simpleParser(stream)
          .then((parsed) => {
            box.self?.record({
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              from: parsed.from?.text ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
            });
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    box.self = new TestMailServer(server, `smtp://127.0.0.1:${port}`);
    return box.self;
  }

  /** The messages sent to `address` so far (compared without case, as mailboxes are in practice). */
  to(address: string): ReceivedMail[] {
    const wanted = address.toLowerCase();
    return this.messages.filter((mail) =>
      mail.to.some((recipient) => recipient.toLowerCase() === wanted),
    );
  }

  /**
   * The next message to `address` after `count` messages to it had arrived (default: those there
   * now); fails after `timeoutMs`.
   */
  async next(
    address: string,
    count = this.to(address).length,
    timeoutMs = 5000,
  ): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    while (this.to(address).length <= count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No mail to ${address} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.to(address)[count];
  }

  /** Waits `ms` and says whether any message to `address` arrived meanwhile (after `count`). */
  async quietFor(address: string, ms: number, count = this.to(address).length): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.to(address).length === count;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(mail: ReceivedMail): void {
    this.messages.push(mail);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The `token` query parameter of the first link in `text` that opens `path`. */
export function tokenFromLink(text: string, path: string): string {
  const match = new RegExp(
    `https?://[^\\s]+${path.replace(/[/]/g, '\\/')}\\?token=([A-Za-z0-9_%-]+)`,
  ).exec(text);
  if (!match) throw new Error(`No ${path} link in:\n${text}`);
  return decodeURIComponent(match[1]);
}
