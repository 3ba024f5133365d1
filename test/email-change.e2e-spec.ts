import { type INestApplication, type LoggerService } from '@nestjs/common';
import {
  AbstractUser,
  AccountService,
  ApiKeyService,
  AuthModule,
  OneTimeToken,
  User,
  UserService,
  VerifiedEmail,
} from 'portcullis';
import request from 'supertest';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReceivedMail, TestMailServer, tokenFromLink } from './support/mail-server.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createDurableTestDatabase,
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const APP_URL = 'http://notes.test:8080';
const FROM = 'Notes <no-reply@notes.test>';

/** An application's own user entity: UUID key, the email as its handle. */
@Entity('email_change_accounts')
class Account extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
}

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

/** Budgets the tests count against: three password guesses per handle. */
const THROTTLE = {
  loginPerHandle: { limit: 3, window: 900 },
  loginPerAddress: false,
  mailPerEmail: { limit: 5, window: 900 },
  mailPerAddress: false,
  oneTimeTokenPerAddress: false,
  registrationPerAddress: false,
} as const;

/** Header names that vary from one answer to the next whatever was asked. */
const VOLATILE = ['date', 'x-request-id', 'connection', 'keep-alive'];
const headerNames = (headers: Record<string, unknown>) =>
  Object.keys(headers)
    .filter((name) => !VOLATILE.includes(name))
    .sort();

describe.each(ADAPTERS)('change of email on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let mail: TestMailServer;
  const logger = new CapturingLogger();
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
          emailChange: true,
          emailVerification: true,
          passwordReset: true,
          requireVerifiedEmail: true,
          jwt: { secret: TEST_JWT_SECRET },
          mail: { transport: mail.url, from: FROM, appUrl: APP_URL },
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

  const users = () => app.get<UserService<User>>(UserService);
  const stored = async (id: number) =>
    (await app.get(DataSource).getRepository(User).findOneByOrFail({ id })).email;
  const changeTokens = (id: number) =>
    app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .findBy({ userId: String(id), purpose: 'email_change' });

  /** A user whose address is verified, signed in. */
  async function member() {
    const username = `changer${++counter}`;
    const email = `${username}@example.test`;
    const user = await users().createUser({ username, email, password: PASSWORD });
    await app
      .get(DataSource)
      .getRepository(VerifiedEmail)
      .insert({ userId: String(user.id), email, verifiedAt: new Date() });
    const login = seen(await http().post('/auth/login').send({ username, password: PASSWORD }));
    expect(login.status).toBe(200);
    const access = login.body.access_token as string;
    return { user, username, email, access, newEmail: `moved${counter}@example.test` };
  }

  const change = async (access: string, body: Record<string, unknown>) =>
    seen(
      await http().post('/auth/email/change').set('Authorization', `Bearer ${access}`).send(body),
    );

  const confirm = async (token: string) =>
    seen(await http().post('/auth/email/change/confirm').send({ token }));

  function expectNoToken(message: ReceivedMail) {
    expect(message.text).not.toContain('token=');
    expect(message.html).not.toContain('token=');
  }

  /** Asks for a change to `newEmail` and returns the link's token from the new address's inbox. */
  async function requestChange(access: string, oldEmail: string, newEmail: string) {
    const toNew = mail.to(newEmail).length;
    const toOld = mail.to(oldEmail).length;
    const answer = await change(access, { new_email: newEmail, password: PASSWORD });
    expect(answer.status).toBe(202);
    const confirmation = await mail.next(newEmail, toNew);
    expect(confirmation.subject).toBe('Confirm your new email address');
    expect(confirmation.text).toContain(`${APP_URL}/confirm-email?token=`);
    expect(confirmation.html).toContain(`href="${APP_URL}/confirm-email?token=`);
    const token = tokenFromLink(confirmation.text, '/confirm-email');
    tokens.push(token);
    const notice = await mail.next(oldEmail, toOld);
    expect(notice.subject).toBe('A change of your email address was requested');
    expect(notice.text).toContain(newEmail);
    expectNoToken(notice);
    expect(notice.text).not.toContain(token);
    expect(notice.html).not.toContain(token);
    return { answer, token };
  }

  it('refuses a wrong password with 401 and a challenge, and mails nobody', async () => {
    const { user, email, access, newEmail } = await member();
    const answer = await change(access, { new_email: newEmail, password: 'not my password' });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ statusCode: 401, error: 'invalid_credentials' });
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(await mail.quietFor(newEmail, 300, 0)).toBe(true);
    expect(await mail.quietFor(email, 0, 0)).toBe(true);
    expect(await changeTokens(user.id)).toHaveLength(0);
  });

  it('spends the login budget of the handle: past it, 429 with Retry-After, even for the right password', async () => {
    const { username, access, newEmail } = await member();
    for (let i = 0; i < 3; i++) {
      const wrong = await change(access, { new_email: newEmail, password: `guess number ${i}` });
      expect(wrong.status).toBe(401);
    }
    const spent = await change(access, { new_email: newEmail, password: PASSWORD });
    expect(spent.status).toBe(429);
    expect(spent.body.error).toBe('too_many_attempts');
    expect(Number(spent.headers['retry-after'])).toBeGreaterThan(0);
    // The same budget as the login form's.
    const login = await http().post('/auth/login').send({ username, password: PASSWORD });
    expect(login.status).toBe(429);
    expect(await mail.quietFor(newEmail, 300, 0)).toBe(true);
  });

  it('refuses an API key with 403 and an anonymous caller with 401', async () => {
    const { user, newEmail } = await member();
    const { key } = await app.get(ApiKeyService).createKey(String(user.id), { label: 'ci' });
    const byKey = await change(key, { new_email: newEmail, password: PASSWORD });
    expect(byKey.status).toBe(403);
    expect(byKey.body).toMatchObject({ statusCode: 403, error: 'insufficient_permissions' });
    const anonymous = seen(
      await http().post('/auth/email/change').send({ new_email: newEmail, password: PASSWORD }),
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(await mail.quietFor(newEmail, 300, 0)).toBe(true);
  });

  it('changes nothing until the new address confirms; then it is the verified address', async () => {
    const { user, username, email, access, newEmail } = await member();
    const { answer, token } = await requestChange(access, email, newEmail);
    expect(answer.body).toEqual({ message: expect.any(String) });
    expect(await stored(user.id)).toBe(email);
    const meBefore = await http().get('/auth/me').set('Authorization', `Bearer ${access}`);
    expect(meBefore.status).toBe(200);
    expect(meBefore.body.email).toBe(email);

    const confirmed = await confirm(token);
    expect(confirmed.status).toBe(204);
    expect(confirmed.text).toBe('');
    expect(await stored(user.id)).toBe(newEmail);
    const verified = await app
      .get(DataSource)
      .getRepository(VerifiedEmail)
      .findOneBy({ userId: String(user.id) });
    expect(verified?.email).toBe(newEmail);
    // The session goes on, with the new address, and a new login passes requireVerifiedEmail.
    const meAfter = await http().get('/auth/me').set('Authorization', `Bearer ${access}`);
    expect(meAfter.status).toBe(200);
    expect(meAfter.body.email).toBe(newEmail);
    await http().post('/auth/login').send({ username, password: PASSWORD }).expect(200);

    const replay = await confirm(token);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ statusCode: 400, error: 'invalid_token' });
  });

  it('lets exactly one of two racing confirmations win', async () => {
    const { user, email, access, newEmail } = await member();
    const { token } = await requestChange(access, email, newEmail);
    const answers = await Promise.all([confirm(token), confirm(token)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 400]);
    expect(await stored(user.id)).toBe(newEmail);
  });

  it('refuses unknown, malformed and foreign-purpose tokens', async () => {
    const { email } = await member();
    for (const token of ['A'.repeat(43), 'short', `${'A'.repeat(43)}=`]) {
      const answer = await confirm(token);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_token');
    }
    const count = mail.to(email).length;
    await http().post('/auth/password/forgot').send({ email }).expect(202);
    const reset = tokenFromLink((await mail.next(email, count)).text, '/reset-password');
    tokens.push(reset);
    const foreign = await confirm(reset);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toBe('invalid_token');
    const missing = seen(await http().post('/auth/email/change/confirm').send({}));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('validation_failed');
  });

  it('refuses an expired token and changes nothing', async () => {
    const { user, email, access, newEmail } = await member();
    const { token } = await requestChange(access, email, newEmail);
    await app
      .get(DataSource)
      .getRepository(OneTimeToken)
      .update(
        { userId: String(user.id), purpose: 'email_change' },
        { expiresAt: new Date(Date.now() - 1000) },
      );
    const answer = await confirm(token);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_token');
    expect(await stored(user.id)).toBe(email);
  });

  it('answers a taken address exactly like a free one, and says so only to that address', async () => {
    const { user, email, access } = await member();
    const holder = await member();
    const free = await member();
    const freeAnswer = await change(free.access, {
      new_email: free.newEmail,
      password: PASSWORD,
    });
    const taken = holder.email.toUpperCase();
    const toOld = mail.to(email).length;
    const takenAnswer = await change(access, { new_email: taken, password: PASSWORD });
    expect(takenAnswer.status).toBe(202);
    expect(takenAnswer.status).toBe(freeAnswer.status);
    expect(takenAnswer.body).toEqual(freeAnswer.body);
    expect(headerNames(takenAnswer.headers)).toEqual(headerNames(freeAnswer.headers));
    expect(takenAnswer.headers['content-length']).toBe(freeAnswer.headers['content-length']);

    const message = await mail.next(holder.email, 0);
    expect(message.subject).toBe('Your email address was not changed');
    expectNoToken(message);
    // It tells the holder nothing about who asked.
    expect(message.text).not.toContain(user.username);
    expect(message.text).not.toContain(email);
    const notice = await mail.next(email, toOld);
    expectNoToken(notice);
    expect(await changeTokens(user.id)).toHaveLength(0);
    expect(await stored(user.id)).toBe(email);
    expect(await stored(holder.user.id)).toBe(holder.email);
    await mail.next(free.newEmail, 0);
  });

  it('refuses with 409 email_taken when the address was taken between request and confirmation', async () => {
    const { user, email, access, newEmail } = await member();
    const { token } = await requestChange(access, email, newEmail);
    const rival = await users().createUser({
      username: `rival${counter}`,
      email: newEmail.toUpperCase(),
      password: PASSWORD,
    });
    const answer = await confirm(token);
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ statusCode: 409, error: 'email_taken' });
    expect(await stored(user.id)).toBe(email);
    expect(await stored(rival.id)).toBe(newEmail.toUpperCase());
    const verified = await app
      .get(DataSource)
      .getRepository(VerifiedEmail)
      .findOneBy({ userId: String(user.id) });
    expect(verified?.email).toBe(email);
  });

  it('refuses the current address (in any case) and a non-address with 400 validation_failed', async () => {
    const { user, email, access } = await member();
    for (const new_email of [email, ` ${email.toUpperCase()} `, 'not-an-address', 42]) {
      const answer = await change(access, { new_email, password: PASSWORD });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('validation_failed');
      expect(answer.body.details ?? answer.body.errors ?? answer.body).toBeTruthy();
    }
    expect(await mail.quietFor(email, 300, 0)).toBe(true);
    expect(await changeTokens(user.id)).toHaveLength(0);
  });

  it('refuses a body without a password with 400 validation_failed', async () => {
    const { access, newEmail } = await member();
    for (const body of [{ new_email: newEmail }, { new_email: newEmail, password: 42 }]) {
      const answer = await change(access, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('validation_failed');
    }
    expect(await mail.quietFor(newEmail, 300, 0)).toBe(true);
  });

  it('refuses the confirmation of a deactivated account', async () => {
    const { user, email, access, newEmail } = await member();
    const { token } = await requestChange(access, email, newEmail);
    await app.get(AccountService).deactivate(user);
    const answer = await confirm(token);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_token');
    expect(await stored(user.id)).toBe(email);
  });

  it('voids a pending confirmation once the password changes', async () => {
    const { user, email, access, newEmail } = await member();
    const { token } = await requestChange(access, email, newEmail);
    await http()
      .post('/auth/change-password')
      .set('Authorization', `Bearer ${access}`)
      .send({ current_password: PASSWORD, new_password: 'a brand new secret phrase' })
      .expect(204);
    const answer = await confirm(token);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_token');
    expect(await stored(user.id)).toBe(email);
  });

  it('voids a reset link sent to the old address once the address changes', async () => {
    const { username, email, access, newEmail } = await member();
    const count = mail.to(email).length;
    await http().post('/auth/password/forgot').send({ email }).expect(202);
    const reset = tokenFromLink((await mail.next(email, count)).text, '/reset-password');
    tokens.push(reset);
    const { token } = await requestChange(access, email, newEmail);
    await confirm(token).then((answer) => expect(answer.status).toBe(204));
    const answer = await http()
      .post('/auth/password/reset')
      .send({ token: reset, new_password: 'taken over by the old inbox' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_token');
    await http().post('/auth/login').send({ username, password: PASSWORD }).expect(200);
  });

  it('keeps every token out of answers and log lines', () => {
    expect(tokens.length).toBeGreaterThan(5);
    for (const token of tokens) {
      for (const body of bodies) expect(body).not.toContain(token);
      for (const line of logger.lines) expect(line).not.toContain(token);
    }
  });
});

describe.each(ADAPTERS)("change of email with usernameField: 'email' on %s", (adapter) => {
  let app: INestApplication;
  let mail: TestMailServer;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    mail = await TestMailServer.start();
    app = await createTestApp(
      [
        testTypeOrmModule('sqlite::memory:'),
        AuthModule.forRoot({
          userEntity: Account,
          usernameField: 'email',
          routes: true,
          emailChange: true,
          jwt: { secret: TEST_JWT_SECRET },
          mail: { transport: mail.url, from: FROM, appUrl: APP_URL },
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

  it('changes the login handle: the new address logs in, the old one no longer does', async () => {
    const email = 'ada@example.test';
    const newEmail = 'ada.lovelace@example.test';
    await http().post('/auth/register').send({ email, password: PASSWORD }).expect(201);
    const login = await http().post('/auth/login').send({ email, password: PASSWORD });
    expect(login.status).toBe(200);
    const access = login.body.access_token as string;
    await http()
      .post('/auth/email/change')
      .set('Authorization', `Bearer ${access}`)
      .send({ new_email: 'Ada.Lovelace@Example.test', password: PASSWORD })
      .expect(202);
    const token = tokenFromLink((await mail.next(newEmail, 0)).text, '/confirm-email');
    const notice = await mail.next(email, 0);
    expect(notice.text).not.toContain('token=');
    await http().post('/auth/email/change/confirm').send({ token }).expect(204);

    const account = await app.get(DataSource).getRepository(Account).findOneByOrFail({});
    expect(account.email).toBe(newEmail);
    await http().post('/auth/login').send({ email: newEmail, password: PASSWORD }).expect(200);
    const old = await http().post('/auth/login').send({ email, password: PASSWORD });
    expect(old.status).toBe(401);
    expect(old.body.error).toBe('invalid_credentials');
    const me = await http().get('/auth/me').set('Authorization', `Bearer ${access}`);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(newEmail);
  });
});

describe.each(ADAPTERS)('change of email seen by a second process on %s', (adapter) => {
  let first: INestApplication;
  let second: INestApplication;
  let database: TestDatabase;
  let mail: TestMailServer;

  beforeAll(async () => {
    database = await createDurableTestDatabase();
    mail = await TestMailServer.start();
    const boot = () =>
      createTestApp(
        [
          testTypeOrmModule(database.url),
          AuthModule.forRoot({
            routes: true,
            emailChange: true,
            emailVerification: true,
            requireVerifiedEmail: true,
            jwt: { secret: TEST_JWT_SECRET },
            mail: { transport: mail.url, from: FROM, appUrl: APP_URL },
            throttle: THROTTLE,
          }),
        ],
        adapter,
      );
    first = await boot();
    second = await boot();
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await mail?.stop();
    await database?.drop();
  });

  it('lets the new address sign in on the other process at once', async () => {
    const username = 'roamer';
    const email = 'roamer@example.test';
    const newEmail = 'roamer.new@example.test';
    const user = await first
      .get<UserService<User>>(UserService)
      .createUser({ username, email, password: PASSWORD });
    await first
      .get(DataSource)
      .getRepository(VerifiedEmail)
      .insert({ userId: String(user.id), email, verifiedAt: new Date() });
    // The first process has seen the old address verified.
    await request(first.getHttpServer())
      .post('/auth/login')
      .send({ username, password: PASSWORD })
      .expect(200);

    const login = await request(second.getHttpServer())
      .post('/auth/login')
      .send({ username, password: PASSWORD });
    expect(login.status).toBe(200);
    await request(second.getHttpServer())
      .post('/auth/email/change')
      .set('Authorization', `Bearer ${login.body.access_token as string}`)
      .send({ new_email: newEmail, password: PASSWORD })
      .expect(202);
    const token = tokenFromLink((await mail.next(newEmail, 0)).text, '/confirm-email');
    await request(second.getHttpServer())
      .post('/auth/email/change/confirm')
      .send({ token })
      .expect(204);

    const again = await request(first.getHttpServer())
      .post('/auth/login')
      .send({ username, password: PASSWORD });
    expect(again.status).toBe(200);
    expect(await mail.quietFor(newEmail, 300, 1)).toBe(true);
  });
});
