import { type INestApplication } from '@nestjs/common';
import {
  AbstractUser,
  AuthEvents,
  AuthModule,
  MagicLinkService,
  OneTimeToken,
  User,
  UserService,
  VerifiedEmail,
  type AuthEvent,
} from 'portcullis';
import request from 'supertest';
import { Column, DataSource, Entity, IsNull, PrimaryGeneratedColumn } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMailServer, tokenFromLink, type ReceivedMail } from './support/mail-server.js';
import { cookiesFrom } from './support/set-cookies.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const APP_URL = 'http://notes.test:8080';
const HOST = 'notes.test';
const ORIGIN = `http://${HOST}`;

const cookieHeader = (jar: Record<string, string>) =>
  Object.entries(jar)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

/** The 6-digit code of a sign-in message. */
function codeFrom(message: ReceivedMail): string {
  const match = /code (\d{6})/.exec(message.text);
  if (!match) throw new Error(`No code in:\n${message.text}`);
  return match[1];
}

/** A code that is not `code`. */
function wrongCode(code: string, offset = 1): string {
  return String((Number(code) + offset) % 1_000_000).padStart(6, '0');
}

describe.each(ADAPTERS)('magic-link sign-in on %s', (adapter) => {
  let app: INestApplication;
  let strict: INestApplication;
  let database: TestDatabase;
  let strictDatabase: TestDatabase;
  let mail: TestMailServer;
  const events: AuthEvent[] = [];
  const http = () => request(app.getHttpServer());
  let counter = 0;
  // Every test signs in from its own client address, so the per-address budgets of one test never
  // spend another's.
  let addressCounter = 0;
  let client = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    strictDatabase = await createTestDatabase();
    mail = await TestMailServer.start();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          magicLink: true,
          emailChange: true,
          passwordReset: true,
          strategies: ['jwt', 'cookie'],
          browserSessions: { secure: false },
          trustProxy: 1,
          jwt: { secret: TEST_JWT_SECRET },
          mail: { transport: mail.url, from: 'Notes <no-reply@notes.test>', appUrl: APP_URL },
          throttle: {
            mailPerEmail: { limit: 3, window: 900 },
            mailPerAddress: false,
            oneTimeTokenPerAddress: { limit: 20, window: 900 },
            // Room for the per-code limit of 5 to show on its own; the budget across codes is
            // tested on the strict app, which keeps the default of 5.
            loginPerHandle: { limit: 20, window: 900 },
          },
        }),
      ],
      adapter,
    );
    app.get(AuthEvents).subscribe((event) => {
      events.push(event);
    });
    strict = await createTestApp(
      [
        testTypeOrmModule(strictDatabase.url),
        AuthModule.forRoot({
          routes: true,
          magicLink: true,
          emailVerification: true,
          requireVerifiedEmail: true,
          jwt: { secret: TEST_JWT_SECRET },
          mail: { transport: mail.url, from: 'Notes <no-reply@notes.test>', appUrl: APP_URL },
          throttle: { mailPerAddress: false },
        }),
      ],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await strict?.close();
    await mail?.stop();
    await database?.drop();
    await strictDatabase?.drop();
  });

  function nextClient(): string {
    addressCounter += 1;
    client = `198.51.100.${addressCounter}`;
    return client;
  }

  const post = (path: string, body: object, target = app) =>
    request(target.getHttpServer())
      .post(path)
      .set('X-Forwarded-For', client || nextClient())
      .send(body);

  async function member(target = app, fields: Partial<User> = {}) {
    const username = `${adapter}member${++counter}`;
    const email = `${username}@example.test`;
    const user = await target
      .get<UserService<User>>(UserService)
      .createUser({ username, email, password: PASSWORD, ...fields });
    return { user, username, email };
  }

  async function signInMail(email: string, target = app): Promise<ReceivedMail> {
    const count = mail.to(email).length;
    const answer = await post('/auth/magic-link', { email }, target);
    expect(answer.status).toBe(202);
    const message = await mail.next(email, count);
    expect(message.subject).toBe('Your sign-in link');
    return message;
  }

  async function credentials(email: string, target = app) {
    const message = await signInMail(email, target);
    return { token: tokenFromLink(message.text, '/magic-link'), code: codeFrom(message), message };
  }

  function expectInvalidToken(answer: request.Response) {
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, error: 'invalid_token' });
    expect(answer.body.access_token).toBeUndefined();
  }

  it('counts wrong codes of one address across re-sent codes (loginPerHandle)', async () => {
    nextClient();
    const { email } = await member(strict);
    const first = await credentials(email, strict);
    for (let i = 1; i <= 5; i++) {
      expectInvalidToken(
        await post('/auth/magic-link/verify', { email, code: wrongCode(first.code, i) }, strict),
      );
    }
    // A new code does not buy new guesses: even the right one waits for the window.
    nextClient();
    const second = await credentials(email, strict);
    const spent = await post('/auth/magic-link/verify', { email, code: second.code }, strict);
    expect(spent.status).toBe(429);
    expect(spent.body.error).toBe('too_many_attempts');
    expect(Number(spent.headers['retry-after'])).toBeGreaterThan(0);
    // The link of the same message is another credential, not a guess: it still signs in.
    const link = await post('/auth/magic-link/verify', { token: second.token }, strict);
    expect(link.status).toBe(200);
  });

  it('mails a link to the app page and a 6-digit code; the link signs in once with a working token pair', async () => {
    nextClient();
    const { email, username } = await member();
    const { message, token, code } = await credentials(email);
    expect(message.text).toContain(`${APP_URL}/magic-link?token=`);
    expect(message.html).toContain(`href="${APP_URL}/magic-link?token=`);
    expect(message.html).toContain(code);
    expect(message.text).toContain('15 minutes');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const answer = await post('/auth/magic-link/verify', { token });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toMatchObject({ token_type: 'Bearer' });
    expect(typeof answer.body.access_token).toBe('string');
    expect(typeof answer.body.refresh_token).toBe('string');
    expect(answer.body.expires_in).toBeGreaterThan(0);
    const me = await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${answer.body.access_token as string}`);
    expect(me.status).toBe(200);
    expect(me.body.username).toBe(username);
    // The refresh token works too: it is a real session.
    await http()
      .post('/auth/refresh')
      .send({ refresh_token: answer.body.refresh_token })
      .expect(200);

    expectInvalidToken(await post('/auth/magic-link/verify', { token }));
  });

  it('signs in once with the email and code', async () => {
    nextClient();
    const { email, username } = await member();
    const { code } = await credentials(email);
    const answer = await post('/auth/magic-link/verify', { email, code });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const me = await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${answer.body.access_token as string}`);
    expect(me.status).toBe(200);
    expect(me.body.username).toBe(username);
    expectInvalidToken(await post('/auth/magic-link/verify', { email, code }));
  });

  it('accepts the address in another case and with spaces around it', async () => {
    nextClient();
    const { email } = await member();
    const { code } = await credentials(email);
    const answer = await post('/auth/magic-link/verify', {
      email: ` ${email.toUpperCase()} `,
      code,
    });
    expect(answer.status).toBe(200);
  });

  it('stores only digests of the token and the code', async () => {
    nextClient();
    const { user, email } = await member();
    const { token, code } = await credentials(email);
    const rows = await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .findBy({ userId: String(user.id), purpose: 'magic_link' });
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(`"${code}"`);
  });

  it('answers an unknown address exactly like a known one, and mails nobody', async () => {
    nextClient();
    const { email } = await member();
    const known = await post('/auth/magic-link', { email });
    const unknownAddress = `nobody${counter}@example.test`;
    const unknown = await post('/auth/magic-link', { email: unknownAddress });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    expect(unknown.text).toBe(known.text);
    const headerNames = (headers: Record<string, unknown>) =>
      Object.keys(headers)
        .filter((name) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(name))
        .sort();
    expect(headerNames(unknown.headers)).toEqual(headerNames(known.headers));
    expect(unknown.headers['content-length']).toBe(known.headers['content-length']);
    expect(unknown.headers['cache-control']).toBe('no-store');
    await mail.next(email, 0);
    expect(await mail.quietFor(unknownAddress, 300, 0)).toBe(true);
  });

  it('answers in the same time for known and unknown addresses (the work happens after the answer)', async () => {
    nextClient();
    const { email } = await member();
    const time = async (address: string) => {
      const started = process.hrtime.bigint();
      await post('/auth/magic-link', { email: address }).expect(202);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < 3; round++) {
      known.push(await time(email));
      unknown.push(await time(`ghost${counter}-${round}@example.test`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];
    expect(Math.abs(median(known) - median(unknown))).toBeLessThan(25);
  });

  it('treats the link and the code as one credential: using one voids the other', async () => {
    nextClient();
    const { email } = await member();
    const first = await credentials(email);
    await post('/auth/magic-link/verify', { email, code: first.code }).expect(200);
    expectInvalidToken(await post('/auth/magic-link/verify', { token: first.token }));

    const second = await credentials(email);
    await post('/auth/magic-link/verify', { token: second.token }).expect(200);
    expectInvalidToken(await post('/auth/magic-link/verify', { email, code: second.code }));
  });

  it('voids the older link and code when a newer one is requested', async () => {
    nextClient();
    const { email } = await member();
    const older = await credentials(email);
    const newer = await credentials(email);
    expectInvalidToken(await post('/auth/magic-link/verify', { token: older.token }));
    if (older.code !== newer.code) {
      expectInvalidToken(await post('/auth/magic-link/verify', { email, code: older.code }));
    }
    await post('/auth/magic-link/verify', { email, code: newer.code }).expect(200);
  });

  it('leaves exactly one link live when requests for one address race', async () => {
    nextClient();
    const { email, user } = await member();
    const answers = await Promise.all([1, 2, 3].map(() => post('/auth/magic-link', { email })));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    await mail.next(email, 2);
    const live = await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .countBy({ userId: String(user.id), purpose: 'magic_link', usedAt: IsNull() });
    expect(live).toBe(1);
    const uses = [];
    for (const message of mail.to(email)) {
      uses.push(
        (
          await post('/auth/magic-link/verify', {
            token: tokenFromLink(message.text, '/magic-link'),
          })
        ).status,
      );
    }
    expect(uses.sort()).toEqual([200, 400, 400]);
  });

  it('lets exactly one of two racing uses of a link win', async () => {
    nextClient();
    const { email } = await member();
    const { token } = await credentials(email);
    const answers = await Promise.all([
      post('/auth/magic-link/verify', { token }),
      post('/auth/magic-link/verify', { token }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
  });

  it('voids the code and the link after magicLinkMaxAttempts (5) wrong codes, even for the right code', async () => {
    nextClient();
    const { email } = await member();
    const { code, token } = await credentials(email);
    for (let attempt = 1; attempt <= 5; attempt++) {
      expectInvalidToken(
        await post('/auth/magic-link/verify', { email, code: wrongCode(code, attempt) }),
      );
    }
    expectInvalidToken(await post('/auth/magic-link/verify', { email, code }));
    expectInvalidToken(await post('/auth/magic-link/verify', { token }));
  });

  it('still takes the right code after four wrong ones', async () => {
    nextClient();
    const { email } = await member();
    const { code } = await credentials(email);
    for (let attempt = 1; attempt <= 4; attempt++) {
      expectInvalidToken(
        await post('/auth/magic-link/verify', { email, code: wrongCode(code, attempt) }),
      );
    }
    await post('/auth/magic-link/verify', { email, code }).expect(200);
  });

  it('cannot pass the limit with wrong guesses fired in parallel', async () => {
    nextClient();
    const { email, user } = await member();
    const { code, token } = await credentials(email);
    const guesses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post('/auth/magic-link/verify', { email, code: wrongCode(code, i + 1) }),
      ),
    );
    for (const guess of guesses) expectInvalidToken(guess);
    expectInvalidToken(await post('/auth/magic-link/verify', { email, code }));
    expectInvalidToken(await post('/auth/magic-link/verify', { token }));
    const [row] = await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .findBy({ userId: String(user.id), purpose: 'magic_link' });
    expect(row.attempts).toBeLessThanOrEqual(5);
    expect(row.usedAt).not.toBeNull();
  });

  it('cannot pass the limit with wrong codes racing inside the service either', async () => {
    nextClient();
    const { email, user } = await member();
    const { code, token } = await credentials(email);
    // In process the guesses reach the database together: each one reads the same count.
    const service = app.get<MagicLinkService<User>>(MagicLinkService);
    const guesses = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        service.signIn({ email, code: wrongCode(code, i + 1) }, undefined),
      ),
    );
    expect(guesses.every((guess) => guess.status === 'rejected')).toBe(true);
    const [row] = await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .findBy({ userId: String(user.id), purpose: 'magic_link' });
    expect(row.attempts).toBe(5);
    expect(row.usedAt).not.toBeNull();
    expectInvalidToken(await post('/auth/magic-link/verify', { token }));
    expectInvalidToken(await post('/auth/magic-link/verify', { email, code }));
  });

  it('voids the links mailed to the old address when a change of email is confirmed', async () => {
    nextClient();
    const { email, username } = await member();
    const { token } = await credentials(email);
    const resetCount = mail.to(email).length;
    await post('/auth/password/forgot', { email }).expect(202);
    const reset = tokenFromLink((await mail.next(email, resetCount)).text, '/reset-password');

    const login = await post('/auth/login', { username, password: PASSWORD }).expect(200);
    const newEmail = `moved${counter}@example.test`;
    await http()
      .post('/auth/email/change')
      .set('X-Forwarded-For', client)
      .set('Authorization', `Bearer ${login.body.access_token as string}`)
      .send({ new_email: newEmail, password: PASSWORD })
      .expect(202);
    const confirmation = await mail.next(newEmail, 0);
    await post('/auth/email/change/confirm', {
      token: tokenFromLink(confirmation.text, '/confirm-email'),
    }).expect(204);

    expectInvalidToken(await post('/auth/magic-link/verify', { token }));
    expectInvalidToken(
      await post('/auth/password/reset', { token: reset, new_password: 'an attacker phrase ok' }),
    );
    await post('/auth/login', { username, password: PASSWORD }).expect(200);
  });

  it('refuses a link and code once the address changed by other means, and verifies nothing', async () => {
    nextClient();
    const { email, user } = await member();
    const { token, code } = await credentials(email);
    const other = await member();
    const second = await credentials(other.email);
    // The app edits the address itself (a profile form, an admin, SQL): the link went elsewhere.
    const moved = `elsewhere${counter}@example.test`;
    await app.get(DataSource).getRepository(User).update({ id: user.id }, { email: moved });
    expectInvalidToken(await post('/auth/magic-link/verify', { token }));
    await app
      .get(DataSource)
      .getRepository(User)
      .update({ id: other.user.id }, { email: `elsewhere-too${counter}@example.test` });
    expectInvalidToken(
      await post('/auth/magic-link/verify', {
        email: `elsewhere-too${counter}@example.test`,
        code: second.code,
      }),
    );
    const verified = await app
      .get(DataSource)
      .getRepository(VerifiedEmail)
      .findBy({ userId: String(user.id) });
    expect(verified).toEqual([]);
    expect(code).toMatch(/^\d{6}$/);
  });

  it('refuses an expired link and code', async () => {
    nextClient();
    const { email, user } = await member();
    const { code, token } = await credentials(email);
    await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .update(
        { userId: String(user.id), purpose: 'magic_link' },
        { expiresAt: new Date(Date.now() - 1000) },
      );
    expectInvalidToken(await post('/auth/magic-link/verify', { token }));
    expectInvalidToken(await post('/auth/magic-link/verify', { email, code }));
  });

  it("refuses a right code sent with another address, and leaves the owner's code working", async () => {
    nextClient();
    const { email } = await member();
    const other = await member();
    const { code } = await credentials(email);
    expectInvalidToken(await post('/auth/magic-link/verify', { email: other.email, code }));
    expectInvalidToken(
      await post('/auth/magic-link/verify', { email: `ghost${counter}@example.test`, code }),
    );
    await post('/auth/magic-link/verify', { email, code }).expect(200);
  });

  it('refuses unknown, malformed and other-purpose tokens with one answer', async () => {
    nextClient();
    const { email } = await member();
    const { token } = await credentials(email);
    for (const bad of [
      'A'.repeat(43),
      token.slice(0, -1),
      `${token}x`,
      token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    ]) {
      expectInvalidToken(await post('/auth/magic-link/verify', { token: bad }));
    }
    // A live token of another flow is no sign-in link, and is not used up by trying it as one.
    const resetCount = mail.to(email).length;
    await post('/auth/password/forgot', { email }).expect(202);
    const reset = tokenFromLink((await mail.next(email, resetCount)).text, '/reset-password');
    expectInvalidToken(await post('/auth/magic-link/verify', { token: reset }));
    await post('/auth/password/reset', {
      token: reset,
      new_password: 'a fresh passphrase ok',
    }).expect(204);
    for (const code of ['12345', '1234567', 'abcdef', '12 456']) {
      expectInvalidToken(await post('/auth/magic-link/verify', { email, code }));
    }
    await post('/auth/magic-link/verify', { token }).expect(200);
  });

  it('mails nothing to an inactive account and refuses a link issued before it was deactivated', async () => {
    nextClient();
    const inactive = await member(app, { isActive: false });
    await post('/auth/magic-link', { email: inactive.email }).expect(202);
    expect(await mail.quietFor(inactive.email, 300, 0)).toBe(true);

    const { email, user } = await member();
    const { token, code } = await credentials(email);
    await app.get(DataSource).getRepository(User).update({ id: user.id }, { isActive: false });
    expectInvalidToken(await post('/auth/magic-link/verify', { token }));
    const second = await member();
    const fresh = await credentials(second.email);
    await app
      .get(DataSource)
      .getRepository(User)
      .update({ id: second.user.id }, { isActive: false });
    expectInvalidToken(
      await post('/auth/magic-link/verify', { email: second.email, code: fresh.code }),
    );
    expect(code).toMatch(/^\d{6}$/);
  });

  it('refuses malformed bodies with 400 validation_failed', async () => {
    nextClient();
    for (const body of [{}, { email: 'not-an-address' }, { email: 42 }, { email: ['a@b.test'] }]) {
      const answer = await post('/auth/magic-link', body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('validation_failed');
    }
    for (const body of [
      {},
      { token: 42 },
      { token: '' },
      { email: 'a@example.test' },
      { email: 'a@example.test', code: 123456 },
      { code: '123456' },
      { email: 'not-an-address', code: '123456' },
    ]) {
      const answer = await post('/auth/magic-link/verify', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error, JSON.stringify(body)).toBe('validation_failed');
    }
  });

  it('throttles requests per target address with 429 and Retry-After, known or not', async () => {
    nextClient();
    for (const email of [(await member()).email, `stranger${counter}@example.test`]) {
      for (let i = 0; i < 3; i++) await post('/auth/magic-link', { email }).expect(202);
      const spent = await post('/auth/magic-link', { email });
      expect(spent.status).toBe(429);
      expect(spent.body.error).toBe('too_many_attempts');
      expect(Number(spent.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('throttles uses of tokens and codes per client address, right or wrong (oneTimeTokenPerAddress)', async () => {
    nextClient();
    const { email } = await member();
    const { code } = await credentials(email);
    const other = await member();
    const { token } = await credentials(other.email);
    // 20 per address: wrong tokens spend the budget.
    for (let i = 0; i < 20; i++) {
      expectInvalidToken(await post('/auth/magic-link/verify', { token: 'B'.repeat(43) }));
    }
    const spent = await post('/auth/magic-link/verify', { email, code });
    expect(spent.status).toBe(429);
    expect(spent.body.error).toBe('too_many_attempts');
    expect(Number(spent.headers['retry-after'])).toBeGreaterThan(0);
    // Another client is not held back, and the throttled attempt did not use the code up.
    nextClient();
    await post('/auth/magic-link/verify', { email, code }).expect(200);
    await post('/auth/magic-link/verify', { token }).expect(200);
  });

  it('emits mail.requested, login.magic_link and one_time_token.rejected, none with a token or code', async () => {
    nextClient();
    const { email, user } = await member();
    const from = events.length;
    const { token, code } = await credentials(email);
    await post('/auth/magic-link', { email: `nobody-ev${counter}@example.test` }).expect(202);
    expectInvalidToken(await post('/auth/magic-link/verify', { email, code: wrongCode(code) }));
    await post('/auth/magic-link/verify', { token }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = events.slice(from);
    const userId = String(user.id);
    expect(seen).toContainEqual(
      expect.objectContaining({ type: 'mail.requested', flow: 'magic_link', userId }),
    );
    const unknownRequest = seen.find(
      (event) => event.type === 'mail.requested' && !('userId' in event && event.userId),
    );
    expect(unknownRequest).toBeDefined();
    expect(seen).toContainEqual(
      expect.objectContaining({ type: 'one_time_token.rejected', flow: 'magic_link', userId }),
    );
    expect(seen).toContainEqual(
      expect.objectContaining({ type: 'login.magic_link', userId, via: 'link' }),
    );
    const next = await credentials(email);
    await post('/auth/magic-link/verify', { email, code: next.code }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events.slice(from)).toContainEqual(
      expect.objectContaining({ type: 'login.magic_link', userId, via: 'code' }),
    );
    const serialized = JSON.stringify(events.slice(from));
    expect(serialized).not.toContain(token);
    expect(serialized).not.toContain(code);
    expect(serialized).not.toContain(next.token);
    expect(serialized).not.toContain(next.code);
  });

  it('marks the address verified, so requireVerifiedEmail lets an unverified account sign in by link', async () => {
    nextClient();
    const { email, username, user } = await member(strict);
    const refused = await post('/auth/login', { username, password: PASSWORD }, strict);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('email_not_verified');

    // Registration mailed a verification link already; the sign-in link is the next message.
    const count = mail.to(email).length;
    await post('/auth/magic-link', { email }, strict).expect(202);
    let message = await mail.next(email, count);
    while (message.subject !== 'Your sign-in link') message = await mail.next(email, count + 1);
    const token = tokenFromLink(message.text, '/magic-link');
    const signedIn = await post('/auth/magic-link/verify', { token }, strict);
    expect(signedIn.status).toBe(200);
    const me = await request(strict.getHttpServer())
      .get('/auth/me')
      .set('Authorization', `Bearer ${signedIn.body.access_token as string}`);
    expect(me.status).toBe(200);

    const rows = await strict
      .get(DataSource)
      .getRepository(VerifiedEmail)
      .findBy({ userId: String(user.id) });
    expect(rows).toHaveLength(1);
    expect(rows[0].email).toBe(email.toLowerCase());
    await post('/auth/login', { username, password: PASSWORD }, strict).expect(200);
  });

  it('mounts no browser form without the cookie strategy', async () => {
    nextClient();
    const answer = await request(strict.getHttpServer())
      .post('/auth/browser/magic-link')
      .set('Host', HOST)
      .set('Origin', ORIGIN)
      .type('form')
      .send({ token: 'C'.repeat(43) });
    expect(answer.status).toBe(404);
  });

  describe('the browser form', () => {
    function formPost(fields: Record<string, string>, origin: string | null = ORIGIN) {
      const call = http()
        .post('/auth/browser/magic-link')
        .set('Host', HOST)
        .set('X-Forwarded-For', client || nextClient())
        .type('form');
      if (origin !== null) call.set('Origin', origin);
      return call.send(fields);
    }

    it('signs in with the link token: 303 to next with session cookies that open a guarded route', async () => {
      nextClient();
      const { email, username } = await member();
      const { token } = await credentials(email);
      const answer = await formPost({ token, next: '/dashboard' });
      expect(answer.status).toBe(303);
      expect(answer.headers.location).toBe('/dashboard');
      const jar = cookiesFrom(answer);
      expect(Object.keys(jar).sort()).toEqual(['portcullis_access', 'portcullis_refresh']);
      for (const line of answer.headers['set-cookie'] as unknown as string[]) {
        expect(line).toContain('HttpOnly');
      }
      const me = await http().get('/auth/me').set('Host', HOST).set('Cookie', cookieHeader(jar));
      expect(me.status).toBe(200);
      expect(me.body.username).toBe(username);
      // Used up: the same form again goes back to the login page.
      const again = await formPost({ token, next: '/dashboard' });
      expect(again.status).toBe(303);
      expect(again.headers.location).toMatch(/^\/login\?error=invalid_token/);
    });

    it('signs in with the email and code', async () => {
      nextClient();
      const { email } = await member();
      const { code } = await credentials(email);
      const answer = await formPost({ email, code, next: '/notes' });
      expect(answer.status).toBe(303);
      expect(answer.headers.location).toBe('/notes');
      expect(cookiesFrom(answer).portcullis_access).toBeTruthy();
    });

    it('sends a bad token back to the login page with the error and no cookies', async () => {
      nextClient();
      const answer = await formPost({ token: 'C'.repeat(43), next: '/dashboard' });
      expect(answer.status).toBe(303);
      expect(answer.headers.location).toBe('/login?error=invalid_token&next=%2Fdashboard');
      expect(answer.headers['set-cookie']).toBeUndefined();
      const bare = await formPost({ token: 'C'.repeat(43) });
      expect(bare.headers.location).toBe('/login?error=invalid_token');
    });

    it('never redirects off-site', async () => {
      for (const next of ['//evil.example', 'https://evil.example/', '/\\evil.example']) {
        nextClient();
        const { email } = await member();
        const { token } = await credentials(email);
        const answer = await formPost({ token, next });
        expect(answer.status).toBe(303);
        expect(answer.headers.location).toBe('/');
      }
    });

    it('refuses cross-site and origin-less posts with 403 csrf_failed, leaving the link usable', async () => {
      nextClient();
      const { email } = await member();
      const { token } = await credentials(email);
      const evil = await formPost({ token, next: '/dashboard' }, 'https://evil.example');
      expect(evil.status).toBe(403);
      expect(evil.body.error).toBe('csrf_failed');
      expect(evil.headers['set-cookie']).toBeUndefined();
      expect((await formPost({ token }, null)).status).toBe(403);
      await post('/auth/magic-link/verify', { token }).expect(200);
    });
  });
});

/** An application's own user entity: UUID key, the email as the login handle. */
@Entity('magic_accounts')
class MagicAccount extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
}

describe.each(ADAPTERS)(
  'magic-link sign-in with a custom entity and an email handle on %s',
  (adapter) => {
    let app: INestApplication;
    let database: TestDatabase;
    let mail: TestMailServer;

    beforeAll(async () => {
      database = await createTestDatabase();
      mail = await TestMailServer.start();
      app = await createTestApp(
        [
          testTypeOrmModule(database.url),
          AuthModule.forRoot({
            userEntity: MagicAccount,
            usernameField: 'email',
            routes: true,
            magicLink: true,
            jwt: { secret: TEST_JWT_SECRET },
            mail: { transport: mail.url, from: 'Notes <no-reply@notes.test>', appUrl: APP_URL },
            throttle: { mailPerAddress: false, oneTimeTokenPerAddress: false },
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

    it('signs in by link and by code, and greets the account by its address', async () => {
      const email = `${adapter}-handle@example.test`;
      const account = await app
        .get<UserService<MagicAccount>>(UserService)
        .createUser({ email, password: PASSWORD });
      const http = () => request(app.getHttpServer());
      await http().post('/auth/magic-link').send({ email: email.toUpperCase() }).expect(202);
      const first = await mail.next(email, 0);
      expect(first.text).toContain(`Hello ${email},`);
      const link = await http()
        .post('/auth/magic-link/verify')
        .send({ token: tokenFromLink(first.text, '/magic-link') });
      expect(link.status).toBe(200);
      const me = await http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${link.body.access_token as string}`);
      expect(me.body).toMatchObject({ id: account.id, email });

      await http().post('/auth/magic-link').send({ email }).expect(202);
      const second = await mail.next(email, 1);
      const code = await http()
        .post('/auth/magic-link/verify')
        .send({ email: ` ${email.toUpperCase()}`, code: codeFrom(second) });
      expect(code.status).toBe(200);
      const verified = await app
        .get(DataSource)
        .getRepository(VerifiedEmail)
        .findBy({ userId: account.id });
      expect(verified).toHaveLength(1);
    });
  },
);
