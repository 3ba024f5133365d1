import { type INestApplication } from '@nestjs/common';
import {
  AccountService,
  AuthModule,
  Mailer,
  type MailMessage,
  OneTimeToken,
  User,
  UserService,
} from 'portcullis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMailServer, tokenFromLink } from './support/mail-server.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new secret phrase';
const APP_URL = 'http://notes.test:8080';

describe.each(ADAPTERS)('password reset by mail on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let mail: TestMailServer;
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
          passwordReset: true,
          jwt: { secret: TEST_JWT_SECRET },
          mail: { transport: mail.url, from: 'Notes <no-reply@notes.test>', appUrl: APP_URL },
          // Generous budgets: the throttle test below sets its own address.
          throttle: { mailPerEmail: { limit: 3, window: 900 }, mailPerAddress: false },
        }),
      ],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await mail?.stop();
    await database?.drop();
  });

  async function member() {
    const username = `member${++counter}`;
    const email = `${username}@example.test`;
    const user = await app
      .get<UserService<User>>(UserService)
      .createUser({ username, email, password: PASSWORD });
    return { user, username, email };
  }

  async function resetToken(email: string): Promise<string> {
    const count = mail.to(email).length;
    const forgot = await http().post('/auth/password/forgot').send({ email });
    expect(forgot.status).toBe(202);
    const message = await mail.next(email, count);
    expect(message.subject).toBe('Reset your password');
    expect(message.from).toContain('no-reply@notes.test');
    return tokenFromLink(message.text, '/reset-password');
  }

  it('mails a link to the app page; its token sets the password once and ends every session', async () => {
    const { username, email } = await member();
    const login = await http().post('/auth/login').send({ username, password: PASSWORD });
    expect(login.status).toBe(200);
    const count = mail.to(email).length;
    await http().post('/auth/password/forgot').send({ email }).expect(202);
    const message = await mail.next(email, count);
    expect(message.text).toContain(`${APP_URL}/reset-password?token=`);
    expect(message.html).toContain(`href="${APP_URL}/reset-password?token=`);
    expect(message.text).toContain('30 minutes');
    const token = tokenFromLink(message.text, '/reset-password');

    const reset = await http()
      .post('/auth/password/reset')
      .send({ token, new_password: NEW_PASSWORD });
    expect(reset.status).toBe(204);

    await http().post('/auth/login').send({ username, password: PASSWORD }).expect(401);
    await http().post('/auth/login').send({ username, password: NEW_PASSWORD }).expect(200);
    // The session from before the reset is over: its access and refresh tokens are refused.
    const me = await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${login.body.access_token as string}`);
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('token_revoked');
    const refresh = await http()
      .post('/auth/refresh')
      .send({ refresh_token: login.body.refresh_token });
    expect(refresh.status).toBe(401);

    // Replayed: used once already.
    const again = await http()
      .post('/auth/password/reset')
      .send({ token, new_password: 'yet another good phrase' });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ statusCode: 400, error: 'invalid_token' });
  });

  it('stores only a digest of the token', async () => {
    const { user, email } = await member();
    const token = await resetToken(email);
    const rows = await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .findBy({ userId: String(user.id) });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0].purpose).toBe('password_reset');
  });

  it('answers an unknown address exactly like a known one, and mails nobody', async () => {
    const { email } = await member();
    const known = await http().post('/auth/password/forgot').send({ email });
    const unknownAddress = `nobody${counter}@example.test`;
    const unknown = await http().post('/auth/password/forgot').send({ email: unknownAddress });
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toEqual(known.body);
    const headerNames = (headers: Record<string, unknown>) =>
      Object.keys(headers)
        .filter((name) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(name))
        .sort();
    expect(headerNames(unknown.headers)).toEqual(headerNames(known.headers));
    expect(unknown.headers['content-length']).toBe(known.headers['content-length']);
    await mail.next(email);
    expect(await mail.quietFor(unknownAddress, 300, 0)).toBe(true);
  });

  it('refuses unknown, malformed, foreign-purpose and expired tokens with one answer', async () => {
    const { email } = await member();
    const token = await resetToken(email);
    for (const bad of [
      'A'.repeat(43),
      token.slice(0, -1),
      `${token}x`,
      token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    ]) {
      const answer = await http()
        .post('/auth/password/reset')
        .send({ token: bad, new_password: NEW_PASSWORD });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_token');
    }
    const missing = await http().post('/auth/password/reset').send({ new_password: NEW_PASSWORD });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('validation_failed');
    // Expired: move the row's expiry into the past.
    await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .update({ purpose: 'password_reset' }, { expiresAt: new Date(Date.now() - 1000) });
    const expired = await http()
      .post('/auth/password/reset')
      .send({ token, new_password: NEW_PASSWORD });
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe('invalid_token');
  });

  it('voids a token when a newer one is issued', async () => {
    const { email, username } = await member();
    const first = await resetToken(email);
    const second = await resetToken(email);
    const old = await http()
      .post('/auth/password/reset')
      .send({ token: first, new_password: NEW_PASSWORD });
    expect(old.status).toBe(400);
    await http()
      .post('/auth/password/reset')
      .send({ token: second, new_password: NEW_PASSWORD })
      .expect(204);
    await http().post('/auth/login').send({ username, password: NEW_PASSWORD }).expect(200);
  });

  it('voids a token once the password changes by other means', async () => {
    const { user, email } = await member();
    const token = await resetToken(email);
    await app.get<AccountService<User>>(AccountService).setPassword(user, 'changed by an admin ok');
    const answer = await http()
      .post('/auth/password/reset')
      .send({ token, new_password: NEW_PASSWORD });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_token');
  });

  it('runs the password rules first and keeps the link usable when they refuse', async () => {
    const { email, username } = await member();
    const token = await resetToken(email);
    const weak = await http()
      .post('/auth/password/reset')
      .send({ token, new_password: 'password' });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toBe('invalid_password');
    await http()
      .post('/auth/password/reset')
      .send({ token, new_password: NEW_PASSWORD })
      .expect(204);
    await http().post('/auth/login').send({ username, password: NEW_PASSWORD }).expect(200);
  });

  it('lets exactly one of two racing uses of a token win', async () => {
    const { email } = await member();
    const token = await resetToken(email);
    const answers = await Promise.all(
      ['first racing phrase ok', 'second racing phrase ok'].map((new_password) =>
        http().post('/auth/password/reset').send({ token, new_password }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 400]);
  });

  it('throttles per target address with 429 and Retry-After, known or not', async () => {
    for (const email of [(await member()).email, `stranger${counter}@example.test`]) {
      for (let i = 0; i < 3; i++) {
        await http().post('/auth/password/forgot').send({ email }).expect(202);
      }
      const spent = await http().post('/auth/password/forgot').send({ email });
      expect(spent.status).toBe(429);
      expect(spent.body.error).toBe('too_many_attempts');
      expect(Number(spent.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('refuses a body without an address with 400 validation_failed', async () => {
    for (const body of [{}, { email: 'not-an-address' }, { email: 42 }]) {
      const answer = await http().post('/auth/password/forgot').send(body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('validation_failed');
    }
  });
});

/** A mailer whose every send takes `delayMs`: an answer that waited for it would show. */
class SlowMailer extends Mailer {
  readonly sent: MailMessage[] = [];
  constructor(private readonly delayMs: number) {
    super();
  }
  async send(message: MailMessage): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.sent.push(message);
  }
}

describe.each(ADAPTERS)('forgot-password timing on %s', (adapter) => {
  const DELAY_MS = 600;
  let app: INestApplication;
  let database: TestDatabase;
  const mailer = new SlowMailer(DELAY_MS);

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          passwordReset: true,
          jwt: { secret: TEST_JWT_SECRET },
          mail: { transport: mailer, from: 'no-reply@notes.test', appUrl: APP_URL },
          throttle: { mailPerEmail: false, mailPerAddress: false },
        }),
      ],
      adapter,
    );
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'timed', email: 'timed@example.test', password: PASSWORD });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers a known address without waiting for the lookup, the token or the mail, like an unknown one', async () => {
    const time = async (email: string) => {
      const started = process.hrtime.bigint();
      await request(app.getHttpServer()).post('/auth/password/forgot').send({ email }).expect(202);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < 5; round++) {
      known.push(await time('timed@example.test'));
      unknown.push(await time(`ghost${round}@example.test`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2];
    // Sending takes 600 ms here: an answer that waited for it would take at least that.
    expect(median(known)).toBeLessThan(DELAY_MS / 2);
    expect(median(unknown)).toBeLessThan(DELAY_MS / 2);
    // The messages did go out, after the answers (app.close() waits for the last ones).
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS * 2));
    expect(mailer.sent.length).toBeGreaterThanOrEqual(1);
    expect(mailer.sent.every((message) => message.to === 'timed@example.test')).toBe(true);
  });
});
