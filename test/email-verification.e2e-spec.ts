import { Controller, Get, type INestApplication, type LoggerService, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AbstractUser,
  ApiKeyService,
  AuthConfigurationError,
  AuthModule,
  type AuthModuleForRootOptions,
  LoginRequired,
  OneTimeToken,
  User,
  UserService,
  VerifiedEmail,
} from 'portcullis';
import request from 'supertest';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMailServer, tokenFromLink } from './support/mail-server.js';
import { cookiesFrom } from './support/set-cookies.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createDurableTestDatabase,
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const APP_URL = 'http://notes.test:8080';
const HOST = 'notes.test';
const FROM = 'Notes <no-reply@notes.test>';

/** An application's own user entity: UUID key, the email as its handle. */
@Entity('verification_accounts')
class Account extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
}

/** A user entity without any email column. */
@Entity('verification_mailless')
class Mailless extends AbstractUser {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 150, unique: true }) username!: string;
}

/** A browser page: a caller without a session is sent to the login page. */
@Controller('page')
class PageController {
  @Get()
  @LoginRequired({ redirectTo: true })
  show() {
    return 'the page';
  }
}

@Module({ controllers: [PageController] })
class PageModule {}

/** Keeps every log line the app writes, to prove no token reaches the log. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...parts: unknown[]) {
    this.lines.push(parts.map(String).join(' '));
  }
  error(...parts: unknown[]) {
    this.log(...parts);
  }
  warn(...parts: unknown[]) {
    this.log(...parts);
  }
  debug(...parts: unknown[]) {
    this.log(...parts);
  }
  verbose(...parts: unknown[]) {
    this.log(...parts);
  }
}

/** Generous budgets: the throttle tests count against their own addresses. */
const THROTTLE = {
  mailPerEmail: { limit: 2, window: 900 },
  mailPerAddress: false,
  oneTimeTokenPerAddress: false,
  registrationPerAddress: false,
  loginPerAddress: false,
} as const;

function mailOptions(mail: TestMailServer) {
  return { transport: mail.url, from: FROM, appUrl: APP_URL };
}

describe.each(ADAPTERS)('email verification on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let mail: TestMailServer;
  const logger = new CapturingLogger();
  /** Every token a message carried, and every answer body, checked against each other at the end. */
  const tokens: string[] = [];
  const bodies: string[] = [];
  const http = () => request(app.getHttpServer());
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    mail = await TestMailServer.start();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          emailVerification: true,
          passwordReset: true,
          jwt: { secret: TEST_JWT_SECRET },
          mail: mailOptions(mail),
          throttle: THROTTLE,
        }),
      ],
      adapter,
      undefined,
      logger,
    );
  });

  afterAll(async () => {
    await app?.close();
    await mail?.stop();
    await database?.drop();
  });

  function seen<T extends { text: string }>(answer: T): T {
    bodies.push(answer.text ?? '');
    return answer;
  }

  /** Registers through the route and returns the verification token mailed to the address. */
  async function register() {
    const username = `verifier${++counter}`;
    const email = `${username}@Example.test`;
    const count = mail.to(email).length;
    const answer = seen(
      await http().post('/auth/register').send({ username, email, password: PASSWORD }),
    );
    expect(answer.status).toBe(201);
    const message = await mail.next(email, count);
    expect(message.subject).toBe('Confirm your email address');
    expect(message.from).toContain('no-reply@notes.test');
    expect(message.text).toContain(`${APP_URL}/verify-email?token=`);
    expect(message.html).toContain(`href="${APP_URL}/verify-email?token=`);
    const token = tokenFromLink(message.text, '/verify-email');
    tokens.push(token);
    const user = (await app.get<UserService<User>>(UserService).findByHandle(username)) as User;
    return { user, username, email, token };
  }

  const verify = async (token: string) =>
    seen(await http().post('/auth/email/verify').send({ token }));

  async function login(username: string) {
    const answer = seen(await http().post('/auth/login').send({ username, password: PASSWORD }));
    expect(answer.status).toBe(200);
    return answer.body.access_token as string;
  }

  const verifiedRow = (userId: number) =>
    app
      .get(DataSource)
      .getRepository(VerifiedEmail)
      .findOneBy({ userId: String(userId) });

  it('mails a link at registration; its token verifies the address once', async () => {
    const { user, email, token } = await register();
    expect(await verifiedRow(user.id)).toBeNull();
    const answer = await verify(token);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    const row = await verifiedRow(user.id);
    expect(row?.email).toBe(email.toLowerCase());
    expect(await app.get(UserService).findById(user.id)).toBeTruthy();

    const replay = await verify(token);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ statusCode: 400, error: 'invalid_token' });
  });

  it('stores only a digest of the token', async () => {
    const { user, token } = await register();
    const rows = await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .findBy({ userId: String(user.id), purpose: 'email_verification' });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('lets exactly one of two racing uses of a token win', async () => {
    const { user, token } = await register();
    const answers = await Promise.all([verify(token), verify(token)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 400]);
    expect(await verifiedRow(user.id)).not.toBeNull();
  });

  it('refuses an expired token', async () => {
    const { user, token } = await register();
    await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .update(
        { userId: String(user.id), purpose: 'email_verification' },
        { expiresAt: new Date(Date.now() - 1000) },
      );
    const answer = await verify(token);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_token');
    expect(await verifiedRow(user.id)).toBeNull();
  });

  it('refuses a token of another purpose, and leaves it usable for its own', async () => {
    const { user, email, token: own } = await register();
    const count = mail.to(email).length;
    await http().post('/auth/password/forgot').send({ email }).expect(202);
    const reset = tokenFromLink((await mail.next(email, count)).text, '/reset-password');
    tokens.push(reset);
    const answer = await verify(reset);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_token');
    expect(await verifiedRow(user.id)).toBeNull();
    await http()
      .post('/auth/password/reset')
      .send({ token: reset, new_password: 'a brand new secret phrase' })
      .expect(204);
    // And a verification token is no reset token.
    const crossed = await http()
      .post('/auth/password/reset')
      .send({ token: own, new_password: 'another new secret phrase' });
    expect(crossed.status).toBe(400);
    expect(crossed.body.error).toBe('invalid_token');
  });

  it('refuses malformed and guessed tokens, and a body without one', async () => {
    for (const token of ['A'.repeat(43), 'short', 'A'.repeat(44), '../../etc']) {
      const answer = await verify(token);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_token');
    }
    const missing = seen(await http().post('/auth/email/verify').send({}));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('validation_failed');
  });

  it('refuses a token for an address the user no longer has', async () => {
    const { user, token } = await register();
    await app
      .get(DataSource)
      .getRepository(User)
      .update({ id: user.id }, { email: `moved${counter}@example.test` });
    const answer = await verify(token);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_token');
    expect(await verifiedRow(user.id)).toBeNull();
  });

  it('resends a link to a signed-in user, voiding the old one', async () => {
    const { user, username, email, token: old } = await register();
    const access = await login(username);
    const count = mail.to(email).length;
    const resend = seen(
      await http().post('/auth/email/verify/resend').set('Authorization', `Bearer ${access}`),
    );
    expect(resend.status).toBe(202);
    expect(resend.body).toEqual({ message: expect.any(String) });
    const message = await mail.next(email, count);
    const fresh = tokenFromLink(message.text, '/verify-email');
    tokens.push(fresh);
    expect(fresh).not.toBe(old);
    const stale = await verify(old);
    expect(stale.status).toBe(400);
    expect(stale.body.error).toBe('invalid_token');
    expect((await verify(fresh)).status).toBe(204);
    expect((await verifiedRow(user.id))?.email).toBe(email.toLowerCase());

    // Verified already: still 202, but nothing is sent.
    const after = mail.to(email).length;
    await http()
      .post('/auth/email/verify/resend')
      .set('Authorization', `Bearer ${access}`)
      .expect(202);
    expect(await mail.quietFor(email, 300, after)).toBe(true);
  });

  it('throttles resends per address with 429 and Retry-After', async () => {
    const { username, email } = await register();
    const access = await login(username);
    for (let i = 0; i < 2; i++) {
      await http()
        .post('/auth/email/verify/resend')
        .set('Authorization', `Bearer ${access}`)
        .expect(202);
    }
    const spent = seen(
      await http().post('/auth/email/verify/resend').set('Authorization', `Bearer ${access}`),
    );
    expect(spent.status).toBe(429);
    expect(spent.body.error).toBe('too_many_attempts');
    expect(Number(spent.headers['retry-after'])).toBeGreaterThan(0);
    // Registration's link and the two resends; the refused one sent nothing.
    await mail.next(email, 2);
    expect(await mail.quietFor(email, 300, 3)).toBe(true);
  });

  it('refuses a resend with an API key (403) and an anonymous one (401 with a challenge)', async () => {
    const { user, email } = await register();
    const { key } = await app.get(ApiKeyService).createKey(String(user.id), { label: 'ci' });
    const count = mail.to(email).length;
    const byKey = seen(
      await http().post('/auth/email/verify/resend').set('Authorization', `Bearer ${key}`),
    );
    expect(byKey.status).toBe(403);
    expect(byKey.body.statusCode).toBe(403);
    const anonymous = seen(await http().post('/auth/email/verify/resend'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('not_authenticated');
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(await mail.quietFor(email, 300, count)).toBe(true);
  });

  it('keeps every token out of answers and log lines', () => {
    expect(tokens.length).toBeGreaterThan(5);
    expect(logger.lines.length + bodies.length).toBeGreaterThan(0);
    for (const token of tokens) {
      for (const body of bodies) expect(body).not.toContain(token);
      for (const line of logger.lines) expect(line).not.toContain(token);
    }
  });
});

describe.each(ADAPTERS)('requireVerifiedEmail on %s', (adapter) => {
  let before: INestApplication;
  let app: INestApplication;
  let database: TestDatabase;
  let mail: TestMailServer;
  const http = () => request(app.getHttpServer());
  const username = 'unverified';
  const email = 'unverified@example.test';
  let sessionToken: string;
  let apiKey: string;
  let sessionCookies: string;

  const options = (requireVerifiedEmail: boolean): AuthModuleForRootOptions => ({
    routes: true,
    emailVerification: true,
    requireVerifiedEmail,
    strategies: ['jwt', 'api-key', 'cookie'],
    browserSessions: { secure: false },
    jwt: { secret: TEST_JWT_SECRET },
    mail: mailOptions(mail),
    throttle: { ...THROTTLE, mailPerEmail: { limit: 20, window: 900 } },
    // The second app must read what the first wrote, at once.
    userCache: { max: 100, ttl: 1 },
  });

  beforeAll(async () => {
    database = await createDurableTestDatabase();
    mail = await TestMailServer.start();
    // First the app as it ran before it required verified addresses: a session and a key begin.
    before = await createTestApp(
      [testTypeOrmModule(database.url), AuthModule.forRoot(options(false)), PageModule],
      adapter,
    );
    const user = await before
      .get<UserService<User>>(UserService)
      .createUser({ username, email, password: PASSWORD });
    const login = await request(before.getHttpServer())
      .post('/auth/login')
      .send({ username, password: PASSWORD });
    expect(login.status).toBe(200);
    sessionToken = login.body.access_token;
    apiKey = (await before.get(ApiKeyService).createKey(String(user.id), { label: 'old' })).key;
    await request(before.getHttpServer())
      .get('/auth/me')
      .set('Authorization', `Bearer ${sessionToken}`)
      .expect(200);
    const browser = await request(before.getHttpServer())
      .post('/auth/browser/login')
      .set('Host', HOST)
      .set('Origin', `http://${HOST}`)
      .type('form')
      .send({ username, password: PASSWORD });
    expect(browser.status).toBe(303);
    sessionCookies = Object.entries(cookiesFrom(browser))
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
    await request(before.getHttpServer()).get('/page').set('Cookie', sessionCookies).expect(200);
    await before.close();
    app = await createTestApp(
      [testTypeOrmModule(database.url), AuthModule.forRoot(options(true)), PageModule],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await mail?.stop();
    await database?.drop();
  });

  const formLogin = (fields: Record<string, string>) =>
    http()
      .post('/auth/browser/login')
      .set('Host', HOST)
      .set('Origin', `http://${HOST}`)
      .type('form')
      .send(fields);

  it('answers a wrong password of an unverified account like an unknown user, and mails nothing', async () => {
    const count = mail.to(email).length;
    const wrong = await http().post('/auth/login').send({ username, password: 'wrong password!' });
    const unknown = await http()
      .post('/auth/login')
      .send({ username: 'nobody-here', password: 'wrong password!' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_credentials');
    expect(wrong.body).toEqual(unknown.body);
    expect(await mail.quietFor(email, 300, count)).toBe(true);
  });

  it('refuses a registration without an address, which could never sign in', async () => {
    const answer = await http()
      .post('/auth/register')
      .send({ username: 'no-address', password: PASSWORD });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('validation_failed');
    expect(JSON.stringify(answer.body)).toContain('email');
    expect(await app.get(UserService).findByHandle('no-address')).toBeNull();
    const registered = await http()
      .post('/auth/register')
      .send({ username: 'with-address', email: 'with-address@example.test', password: PASSWORD });
    expect(registered.status).toBe(201);
    await mail.next('with-address@example.test', 0);
  });

  it('refuses a session and an API key from before the option on guarded routes', async () => {
    for (const credential of [sessionToken, apiKey]) {
      const me = await http().get('/auth/me').set('Authorization', `Bearer ${credential}`);
      expect(me.status).toBe(403);
      expect(me.body).toMatchObject({ statusCode: 403, error: 'email_not_verified' });
    }
  });

  it('sends a browser session from before the option to the login page, saying why', async () => {
    const page = await http().get('/page').set('Cookie', sessionCookies);
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/login?error=email_not_verified&next=%2Fpage');
    const api = await http().get('/auth/me').set('Cookie', sessionCookies);
    expect(api.status).toBe(403);
    expect(api.body.error).toBe('email_not_verified');
    // Without any session the page still sends to the login page as before.
    const anonymous = await http().get('/page');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toBe('/login?next=%2Fpage');
  });

  it('sends a browser login of an unverified account back to the login page with the reason', async () => {
    const count = mail.to(email).length;
    const answer = await formLogin({ username, password: PASSWORD, next: '/dashboard' });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/login?error=email_not_verified&next=%2Fdashboard');
    expect(answer.headers['set-cookie']).toBeUndefined();
    await mail.next(email, count);
  });

  it('refuses the right password with 403 email_not_verified and mails a link that lets the login in', async () => {
    const count = mail.to(email).length;
    const refused = await http().post('/auth/login').send({ username, password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ statusCode: 403, error: 'email_not_verified' });
    expect(refused.body.access_token).toBeUndefined();
    const message = await mail.next(email, count);
    const token = tokenFromLink(message.text, '/verify-email');
    expect(JSON.stringify(refused.body)).not.toContain(token);

    await http().post('/auth/email/verify').send({ token }).expect(204);
    const login = await http().post('/auth/login').send({ username, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.access_token).toEqual(expect.any(String));
    // The old session and key pass now.
    for (const credential of [sessionToken, apiKey, login.body.access_token as string]) {
      const me = await http().get('/auth/me').set('Authorization', `Bearer ${credential}`);
      expect(me.status).toBe(200);
      expect(me.body.username).toBe(username);
    }
    const page = await http().get('/page').set('Cookie', sessionCookies);
    expect(page.status).toBe(200);
    expect(page.text).toBe('the page');
    const browser = await formLogin({ username, password: PASSWORD, next: '/dashboard' });
    expect(browser.status).toBe(303);
    expect(browser.headers.location).toBe('/dashboard');
    expect(Object.keys(cookiesFrom(browser)).length).toBeGreaterThan(0);
  });
});

describe.each(ADAPTERS)('email verification when SMTP refuses on %s', (adapter) => {
  let app: INestApplication;
  let mail: TestMailServer;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    mail = await TestMailServer.start({ reject: () => true });
    app = await createTestApp(
      [
        testTypeOrmModule('sqlite::memory:'),
        AuthModule.forRoot({
          routes: true,
          emailVerification: true,
          jwt: { secret: TEST_JWT_SECRET },
          mail: mailOptions(mail),
          throttle: THROTTLE,
        }),
      ],
      adapter,
      undefined,
      logger,
    );
  });

  afterAll(async () => {
    await app?.close();
    await mail?.stop();
  });

  it('still registers, and logs the failure without the message or its link', async () => {
    const answer = await request(app.getHttpServer())
      .post('/auth/register')
      .send({ username: 'bounced', email: 'bounced@example.test', password: PASSWORD });
    expect(answer.status).toBe(201);
    expect(answer.text).not.toContain('token');
    const deadline = Date.now() + 5000;
    while (!logger.lines.some((line) => line.includes('Could not send'))) {
      if (Date.now() > deadline) throw new Error(`No failure logged:\n${logger.lines.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const failure = logger.lines.find((line) => line.includes('Could not send')) as string;
    expect(failure).toContain('email_verification');
    for (const line of logger.lines) {
      expect(line).not.toContain('token=');
      expect(line).not.toContain('/verify-email');
    }
    expect(mail.messages).toHaveLength(0);
  });
});

describe.each(ADAPTERS)('email verification with a custom entity on %s', (adapter) => {
  let app: INestApplication;
  let mail: TestMailServer;

  beforeAll(async () => {
    mail = await TestMailServer.start();
    app = await createTestApp(
      [
        testTypeOrmModule('sqlite::memory:'),
        AuthModule.forRoot({
          userEntity: Account,
          usernameField: 'email',
          routes: true,
          emailVerification: true,
          requireVerifiedEmail: true,
          jwt: { secret: TEST_JWT_SECRET },
          mail: mailOptions(mail),
          throttle: THROTTLE,
        }),
      ],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await mail?.stop();
  });

  it('mails the link to the handle address and verifies it', async () => {
    const email = 'ada@example.test';
    const http = () => request(app.getHttpServer());
    const registered = await http().post('/auth/register').send({ email, password: PASSWORD });
    expect(registered.status).toBe(201);
    const first = tokenFromLink((await mail.next(email, 0)).text, '/verify-email');
    const refused = await http().post('/auth/login').send({ email, password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('email_not_verified');
    // The refused login mailed a newer link, which voids the first.
    const token = tokenFromLink((await mail.next(email, 1)).text, '/verify-email');
    expect((await http().post('/auth/email/verify').send({ token: first })).status).toBe(400);
    await http().post('/auth/email/verify').send({ token }).expect(204);
    const row = await app
      .get(DataSource)
      .getRepository(VerifiedEmail)
      .findOneBy({ userId: registered.body.id as string });
    expect(row?.email).toBe(email);
    await http().post('/auth/login').send({ email, password: PASSWORD }).expect(200);
  });
});

describe('mail flows checked at boot', () => {
  const mail = { transport: 'smtp://127.0.0.1:2525', from: FROM, appUrl: APP_URL };
  const boot = (options: Partial<AuthModuleForRootOptions>) =>
    Test.createTestingModule({
      imports: [
        testTypeOrmModule('sqlite::memory:'),
        AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET }, ...options }),
      ],
    }).compile();

  it('stops when a mail flow is on and the user entity has no email column', async () => {
    const compiled = boot({ userEntity: Mailless, emailVerification: true, mail });
    await expect(compiled).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(compiled).rejects.toThrow(
      'emailVerification mail the user, but userEntity Mailless has no email column',
    );
  });

  it('stops when a mail flow is on without mail', async () => {
    const compiled = boot({ emailVerification: true });
    await expect(compiled).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(compiled).rejects.toThrow('emailVerification send mail: give mail:');
  });

  it('stops when requireVerifiedEmail is on without emailVerification', async () => {
    const compiled = boot({ requireVerifiedEmail: true, passwordReset: true, mail });
    await expect(compiled).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(compiled).rejects.toThrow('requireVerifiedEmail needs emailVerification: true');
  });
});
