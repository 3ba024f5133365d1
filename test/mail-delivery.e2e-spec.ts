import { type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AuthConfigurationError,
  AuthEvents,
  AuthModule,
  LogMailer,
  Mailer,
  SmtpMailer,
  User,
  UserService,
  escapeMailHtml,
  type AuthEvent,
  type AuthModuleForRootOptions,
  type AuthModuleOptions,
  type MailMessage,
} from 'portcullis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestMailServer, tokenFromLink } from './support/mail-server.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const APP_URL = 'http://notes.test:8080';
const FROM = 'Notes <no-reply@notes.test>';
const MAY_SEND = { message: 'If an account has this address, a message is on its way to it.' };

/** Every line the app logs, at every level, as one string each. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record(level: string, message: unknown, rest: unknown[]) {
    this.lines.push([level, message, ...rest].map((part) => String(part)).join(' '));
  }
  log(message: unknown, ...rest: unknown[]) {
    this.record('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.record('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.record('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.record('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.record('verbose', message, rest);
  }
}

/** A mailer of an app's own (a provider's HTTP API, say) that keeps what it is handed. */
class RecordingMailer extends Mailer {
  readonly messages: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
  }
}

/** A provider that is down, and whose error quotes the message it was given (the worst case). */
class FailingMailer extends Mailer {
  readonly messages: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
    const error = new Error(`provider refused: ${message.text}`) as Error & { code: string };
    error.code = 'EPROVIDER';
    throw error;
  }
}

/** Hands each message to SMTP only after a delay, so a shutdown meets it mid-send. */
class SlowMailer extends Mailer {
  delivered = 0;
  constructor(
    private readonly inner: Mailer,
    private readonly delayMs: number,
  ) {
    super();
  }
  async send(message: MailMessage): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    await this.inner.send(message);
    this.delivered += 1;
  }
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(ADAPTERS)('mail delivery on %s', (adapter) => {
  // One logger for every app of the file: Nest's static Logger writes to the last app's logger.
  const logger = new CapturingLogger();
  let database: TestDatabase;
  const apps: INestApplication[] = [];
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.drop();
  });

  async function start(mail: AuthModuleOptions['mail'], extra: AuthModuleForRootOptions = {}) {
    const app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          passwordReset: true,
          magicLink: true,
          jwt: { secret: TEST_JWT_SECRET },
          mail,
          throttle: { mailPerAddress: false, oneTimeTokenPerAddress: false },
          ...extra,
        }),
      ],
      adapter,
      undefined,
      logger,
    );
    apps.push(app);
    return app;
  }

  async function member(app: INestApplication, username = `${adapter}user${++counter}`) {
    const email = `${adapter}user${counter}@example.test`;
    const user = await app
      .get<UserService<User>>(UserService)
      .createUser({ username, email, password: PASSWORD });
    return { user, username, email };
  }

  describe('when the SMTP server refuses every message', () => {
    let app: INestApplication;
    let mail: TestMailServer;
    const events: AuthEvent[] = [];

    beforeAll(async () => {
      mail = await TestMailServer.start({ reject: () => true });
      app = await start({ transport: mail.url, from: FROM, appUrl: APP_URL });
      app.get(AuthEvents).subscribe((event) => {
        events.push(event);
      });
    });

    afterAll(async () => {
      await mail?.stop();
    });

    it('answers forgot-password and magic-link with the normal 202, then reports mail.failed and logs no secret', async () => {
      const { email, user } = await member(app);
      const logFrom = logger.lines.length;
      const forgot = await request(app.getHttpServer())
        .post('/auth/password/forgot')
        .send({ email });
      expect(forgot.status).toBe(202);
      expect(forgot.body).toEqual(MAY_SEND);
      const magic = await request(app.getHttpServer()).post('/auth/magic-link').send({ email });
      expect(magic.status).toBe(202);
      expect(magic.body).toEqual(MAY_SEND);
      const unknown = await request(app.getHttpServer())
        .post('/auth/magic-link')
        .send({ email: `nobody${counter}@example.test` });
      expect(unknown.status).toBe(202);
      expect(unknown.text).toBe(magic.text);

      const failed = () => events.filter((event) => event.type === 'mail.failed');
      await until(() => failed().length === 2);
      expect(failed()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ flow: 'password_reset', userId: String(user.id) }),
          expect.objectContaining({ flow: 'magic_link', userId: String(user.id) }),
        ]),
      );
      expect(mail.messages).toHaveLength(0);

      const lines = logger.lines.slice(logFrom);
      const failures = lines.filter((line) => line.includes('Could not send'));
      expect(failures.some((line) => line.includes('password_reset'))).toBe(true);
      expect(failures.some((line) => line.includes('magic_link'))).toBe(true);
      const logged = lines.join('\n');
      expect(logged).not.toContain(APP_URL);
      expect(logged).not.toContain('token=');
      expect(logged).not.toMatch(/[A-Za-z0-9_-]{43}/);
    });
  });

  describe('when a mailer of its own fails with the message in its error', () => {
    it('logs the failure by name, with neither the link, the token nor the code', async () => {
      const mailer = new FailingMailer();
      const app = await start({ transport: mailer, from: FROM, appUrl: APP_URL });
      const events: AuthEvent[] = [];
      app.get(AuthEvents).subscribe((event) => {
        events.push(event);
      });
      const { email } = await member(app);
      const logFrom = logger.lines.length;
      const answer = await request(app.getHttpServer()).post('/auth/magic-link').send({ email });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual(MAY_SEND);
      await until(() => events.some((event) => event.type === 'mail.failed'));
      const [message] = mailer.messages;
      const token = tokenFromLink(message.text, '/magic-link');
      const code = /code (\d{6})/.exec(message.text)![1];
      const lines = logger.lines.slice(logFrom);
      const failure = lines.find((line) => line.includes('Could not send the magic_link message'));
      expect(failure).toBeDefined();
      expect(failure).toContain('EPROVIDER');
      const logged = lines.join('\n');
      expect(logged).not.toContain(token);
      expect(logged).not.toContain(encodeURIComponent(token));
      expect(logged).not.toContain(code);
      expect(logged).not.toContain('/magic-link?token');
      expect(JSON.stringify(events)).not.toContain(token);
    });
  });

  it('logs a template that throws by its class only, and still answers 202', async () => {
    const mailer = new RecordingMailer();
    const app = await start({
      transport: mailer,
      from: FROM,
      appUrl: APP_URL,
      templates: {
        magic_link: (c) => {
          throw new TypeError(`cannot render ${c.link ?? ''} with ${c.code ?? ''}`);
        },
      },
    });
    const events: AuthEvent[] = [];
    app.get(AuthEvents).subscribe((event) => {
      events.push(event);
    });
    const { email, user } = await member(app);
    const logFrom = logger.lines.length;
    const answer = await request(app.getHttpServer()).post('/auth/magic-link').send({ email });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual(MAY_SEND);
    await until(() => events.some((event) => event.type === 'mail.failed'));
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'mail.failed', flow: 'magic_link', userId: String(user.id) }),
    );
    expect(mailer.messages).toHaveLength(0);
    const lines = logger.lines.slice(logFrom).join('\n');
    expect(lines).toContain('Could not send the magic_link message: TypeError');
    expect(lines).not.toContain('cannot render');
    expect(lines).not.toContain(APP_URL);
  });

  describe('templates', () => {
    let mail: TestMailServer;

    beforeAll(async () => {
      mail = await TestMailServer.start();
    });

    afterAll(async () => {
      await mail?.stop();
    });

    it('replaces the kind given and keeps the default for the others', async () => {
      const app = await start({
        transport: mail.url,
        from: FROM,
        appUrl: APP_URL,
        templates: {
          magic_link: (c) => ({
            subject: `Sign in to Notes, ${c.handle}`,
            text: `Your code: ${c.code}\nYour link: ${c.link}\nValid ${c.expiresInMinutes} min until ${c.expiresAt?.toISOString()}\n`,
            html: `<p class="custom">Code <b>${escapeMailHtml(c.code ?? '')}</b> for ${escapeMailHtml(c.to)} at ${escapeMailHtml(c.appUrl)}</p>`,
          }),
        },
      });
      const { email, username } = await member(app);
      await request(app.getHttpServer()).post('/auth/magic-link').send({ email }).expect(202);
      const custom = await mail.next(email, 0);
      expect(custom.subject).toBe(`Sign in to Notes, ${username}`);
      expect(custom.text).toMatch(/^Your code: \d{6}\n/);
      expect(custom.text).toContain(`Your link: ${APP_URL}/magic-link?token=`);
      expect(custom.text).toContain('Valid 15 min until ');
      expect(custom.html).toContain('<p class="custom">Code <b>');
      expect(custom.html).toContain(`for ${email} at ${APP_URL}</p>`);
      // The template's link and code sign in.
      const code = /Your code: (\d{6})/.exec(custom.text)![1];
      await request(app.getHttpServer())
        .post('/auth/magic-link/verify')
        .send({ email, code })
        .expect(200);

      await request(app.getHttpServer()).post('/auth/password/forgot').send({ email }).expect(202);
      const standard = await mail.next(email, 1);
      expect(standard.subject).toBe('Reset your password');
      expect(standard.text).toContain(`Hello ${username},`);
      expect(standard.html).toContain(`href="${APP_URL}/reset-password?token=`);
    });

    it('escapes user values in the HTML of the default templates', async () => {
      const app = await start({ transport: mail.url, from: FROM, appUrl: APP_URL });
      const username = `<script>alert("x${++counter}")</script>&'`;
      const email = `script${counter}@example.test`;
      await app
        .get<UserService<User>>(UserService)
        .createUser({ username, email, password: PASSWORD });
      await request(app.getHttpServer()).post('/auth/password/forgot').send({ email }).expect(202);
      await request(app.getHttpServer()).post('/auth/magic-link').send({ email }).expect(202);
      const reset = await mail.next(email, 0);
      const magic = await mail.next(email, 1);
      for (const message of [reset, magic]) {
        expect(message.html).not.toContain('<script>');
        expect(message.html).toContain(`Hello ${escapeMailHtml(username)},`);
        expect(message.html).toContain('&#60;script&#62;alert(&#34;x');
        // Plain text is not HTML: it keeps the name as it is.
        expect(message.text).toContain(`Hello ${username},`);
      }
    });
  });

  it('hands MailMessage objects to a Mailer subclass given as transport', async () => {
    const mailer = new RecordingMailer();
    const app = await start({ transport: mailer, from: FROM, appUrl: APP_URL });
    const { email, username } = await member(app);
    await request(app.getHttpServer()).post('/auth/magic-link').send({ email }).expect(202);
    await request(app.getHttpServer()).post('/auth/password/forgot').send({ email }).expect(202);
    await until(() => mailer.messages.length === 2);
    const byKind = Object.fromEntries(mailer.messages.map((message) => [message.kind, message]));
    expect(Object.keys(byKind).sort()).toEqual(['magic_link', 'password_reset']);
    for (const message of mailer.messages) {
      expect(Object.keys(message).sort()).toEqual(['html', 'kind', 'subject', 'text', 'to']);
      expect(message.to).toBe(email);
      expect(message.text).toContain(`Hello ${username},`);
    }
    expect(byKind.magic_link.subject).toBe('Your sign-in link');
    const token = tokenFromLink(byKind.magic_link.text, '/magic-link');
    await request(app.getHttpServer()).post('/auth/magic-link/verify').send({ token }).expect(200);
    expect(byKind.password_reset.html).toContain(`${APP_URL}/reset-password?token=`);
  });

  describe('LogMailer', () => {
    it('refuses to be built in production', () => {
      expect(() => new LogMailer({ NODE_ENV: 'production' })).toThrow(/production/);
    });

    it('writes the message with its link and code to the log in development', async () => {
      const app = await start({
        transport: new LogMailer({ NODE_ENV: 'development' }),
        from: FROM,
        appUrl: APP_URL,
      });
      const { email } = await member(app);
      const logFrom = logger.lines.length;
      await request(app.getHttpServer()).post('/auth/magic-link').send({ email }).expect(202);
      await until(() =>
        logger.lines.slice(logFrom).some((line) => line.includes('/magic-link?token=')),
      );
      const line = logger.lines
        .slice(logFrom)
        .find((entry) => entry.includes('/magic-link?token='))!;
      expect(line).toContain(`Mail to ${email}`);
      expect(line).toContain('Subject: Your sign-in link');
      expect(line).toMatch(/code \d{6}/);
      // The logged link is live: a developer can click through.
      const token = tokenFromLink(line, '/magic-link');
      await request(app.getHttpServer())
        .post('/auth/magic-link/verify')
        .send({ token })
        .expect(200);
    });
  });

  describe('shutdown', () => {
    let mail: TestMailServer;

    beforeAll(async () => {
      mail = await TestMailServer.start();
    });

    afterAll(async () => {
      await mail?.stop();
    });

    it('app.close() waits for a message still being sent', async () => {
      const slow = new SlowMailer(await SmtpMailer.create(mail.url, FROM), 400);
      const app = await createTestApp(
        [
          testTypeOrmModule(database.url),
          AuthModule.forRoot({
            routes: true,
            magicLink: true,
            jwt: { secret: TEST_JWT_SECRET },
            mail: { transport: slow, from: FROM, appUrl: APP_URL },
          }),
        ],
        adapter,
        undefined,
        logger,
      );
      const { email } = await member(app);
      await request(app.getHttpServer()).post('/auth/magic-link').send({ email }).expect(202);
      expect(slow.delivered).toBe(0);
      await app.close();
      expect(slow.delivered).toBe(1);
      expect(mail.to(email)).toHaveLength(1);
      expect(mail.to(email)[0].subject).toBe('Your sign-in link');
    });
  });
});

describe('mail boot errors', () => {
  let database: TestDatabase;
  afterEach(async () => {
    await database?.drop();
  });

  async function bootFailure(options: AuthModuleForRootOptions): Promise<AuthConfigurationError> {
    database = await createTestDatabase('sqlite');
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [testTypeOrmModule(database.url), AuthModule.forRoot(options)],
      }).compile();
      await moduleRef.close();
    } catch (error) {
      expect(error).toBeInstanceOf(AuthConfigurationError);
      return error as AuthConfigurationError;
    }
    throw new Error('expected the boot to fail');
  }

  const base = { routes: true, jwt: { secret: TEST_JWT_SECRET } } as const;
  const mail = { transport: 'smtp://127.0.0.1:2525', from: FROM, appUrl: APP_URL };

  it('stops when magicLink is on without mail', async () => {
    const error = await bootFailure({ ...base, magicLink: true });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(
      /magicLink send mail: give mail: \{ transport, from, appUrl \}/,
    );
  });

  it('lists every problem of the mail section at once', async () => {
    const error = await bootFailure({
      ...base,
      magicLink: true,
      mail: {
        transport: 'http://mail.example',
        from: FROM,
        appUrl: 'notes.test/app',
        templates: { 'magic-link': () => ({ subject: '', text: '', html: '' }) } as never,
      },
    });
    expect(error.problems).toEqual([
      expect.stringMatching(/mail\.transport as a string must be an SMTP URL/),
      expect.stringMatching(/mail\.appUrl must be the absolute http\(s\) URL/),
      expect.stringMatching(
        /mail\.templates: unknown message kind "magic-link"; the kinds are password_reset, /,
      ),
    ]);
    expect(error.message).toContain('mail.appUrl');
  });

  it('refuses an appUrl with a query or another scheme', async () => {
    for (const appUrl of ['https://notes.test/?x=1', 'ftp://notes.test', '/relative']) {
      const error = await bootFailure({ ...base, magicLink: true, mail: { ...mail, appUrl } });
      expect(error.problems, appUrl).toEqual([expect.stringMatching(/mail\.appUrl/)]);
    }
  });

  it('names a template kind that is only an Object property, not a message kind', async () => {
    const error = await bootFailure({
      ...base,
      magicLink: true,
      mail: { ...mail, templates: { toString: () => ({}) } as never },
    });
    expect(error.problems).toEqual([expect.stringMatching(/unknown message kind "toString"/)]);
  });

  it('stops when forRoot is given magicLink without routes', () => {
    expect(() =>
      AuthModule.forRoot({ jwt: { secret: TEST_JWT_SECRET }, magicLink: true, mail }),
    ).toThrow(AuthConfigurationError);
    expect(() =>
      AuthModule.forRoot({ jwt: { secret: TEST_JWT_SECRET }, magicLink: true, mail }),
    ).toThrow(/magicLink mount routes under the routes prefix: set routes: true/);
  });
});
