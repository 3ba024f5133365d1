import type { INestApplication } from '@nestjs/common';
import * as argon2 from 'argon2';
import { PasswordHasher, User, UserService } from 'portcullis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/** Headers that legitimately differ between two otherwise identical responses. */
function comparableHeaders(headers: Record<string, string>): Record<string, string> {
  const { date: _date, ...rest } = headers;
  return rest;
}

describe.each(ADAPTERS)('password credentials on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let users: UserService<User>;
  let hasher: PasswordHasher;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [AppModule.forRoot({ databaseUrl: database.url, jwtSecret: TEST_JWT_SECRET })],
      adapter,
    );
    users = app.get(UserService);
    hasher = app.get(PasswordHasher);
    await users.createUser({ username: 'active', password: PASSWORD });
    const inactive = await users.createUser({ username: 'inactive', password: PASSWORD });
    await users.updateColumns(inactive, { isActive: false });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  describe('unknown user, wrong password and inactive account', () => {
    const cases = [
      ['unknown user', { username: 'nobody', password: PASSWORD }],
      ['wrong password', { username: 'active', password: 'wrong horse battery' }],
      ['inactive account', { username: 'inactive', password: PASSWORD }],
    ] as const;

    it('answer with the same status, body and headers', async () => {
      const responses = [];
      for (const [, body] of cases) responses.push(await http().post('/auth/login').send(body));
      for (const response of responses) {
        expect(response.status).toBe(401);
        expect(response.body).toEqual({
          statusCode: 401,
          error: 'invalid_credentials',
          message: 'Invalid credentials.',
        });
      }
      const [first, ...rest] = responses.map((r) => comparableHeaders(r.headers));
      for (const headers of rest) expect(headers).toEqual(first);
      expect(first['www-authenticate']).toBe('Bearer realm="portcullis"');
    });

    it.each(cases)('%s costs exactly one argon2 verify', async (_name, body) => {
      const verify = vi.spyOn(hasher, 'verify');
      await http().post('/auth/login').send(body).expect(401);
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it('answer the same over HTTP Basic', async () => {
      const answers = await Promise.all([
        http().get('/auth/me').auth('nobody', PASSWORD),
        http().get('/auth/me').auth('active', 'wrong horse battery'),
        http().get('/auth/me').auth('inactive', PASSWORD),
      ]);
      for (const answer of answers) {
        expect(answer.status).toBe(401);
        expect(answer.body.error).toBe('invalid_credentials');
        expect(answer.headers['www-authenticate']).toBe(answers[0].headers['www-authenticate']);
      }
    });
  });

  it('a successful login verifies once and does not re-hash a current hash', async () => {
    const verify = vi.spyOn(hasher, 'verify');
    const hash = vi.spyOn(hasher, 'hash');
    await http().post('/auth/login').send({ username: 'active', password: PASSWORD }).expect(200);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(hash).not.toHaveBeenCalled();
  });

  it('upgrades a hash made with weaker parameters after a successful login', async () => {
    const user = await users.createUser({ username: 'legacy', password: null });
    const weak = await argon2.hash(PASSWORD, {
      type: argon2.argon2id,
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
    });
    await users.updateColumns(user, { passwordHash: weak });
    const rows = app.get(DataSource).getRepository(User);

    await http().post('/auth/login').send({ username: 'legacy', password: PASSWORD }).expect(200);

    const stored = (await rows.findOneByOrFail({ username: 'legacy' })).passwordHash!;
    expect(stored).not.toBe(weak);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await http().post('/auth/login').send({ username: 'legacy', password: PASSWORD }).expect(200);
  });

  it('a wrong password leaves a weak hash alone', async () => {
    const user = await users.createUser({ username: 'legacy2', password: null });
    const weak = await argon2.hash(PASSWORD, {
      type: argon2.argon2id,
      memoryCost: 4096,
      timeCost: 1,
    });
    await users.updateColumns(user, { passwordHash: weak });
    await http().post('/auth/login').send({ username: 'legacy2', password: 'nope' }).expect(401);
    const stored = await app
      .get(DataSource)
      .getRepository(User)
      .findOneByOrFail({ username: 'legacy2' });
    expect(stored.passwordHash).toBe(weak);
  });

  it('an account without a usable password cannot log in', async () => {
    await users.createUser({ username: 'nopassword', password: null });
    const verify = vi.spyOn(hasher, 'verify');
    const response = await http()
      .post('/auth/login')
      .send({ username: 'nopassword', password: PASSWORD });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_credentials');
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('uses passwords byte for byte: no trimming', async () => {
    await http()
      .post('/auth/register')
      .send({ username: 'spacey', password: ' padded pass ' })
      .expect(201);
    await http()
      .post('/auth/login')
      .send({ username: 'spacey', password: 'padded pass' })
      .expect(401);
    await http()
      .post('/auth/login')
      .send({ username: 'spacey', password: ' padded pass ' })
      .expect(200);
  });

  it('normalises handles: a second spelling is taken, and any spelling logs in', async () => {
    await http().post('/auth/register').send({ username: 'Zoë', password: PASSWORD }).expect(201);
    const again = await http()
      .post('/auth/register')
      .send({ username: ' ZOË ', password: PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('username_taken');
    await http().post('/auth/login').send({ username: 'ZOË', password: PASSWORD }).expect(200);
  });

  describe('malformed input is a 400, never a 500', () => {
    const longPassword = 'x'.repeat(1025);

    it('rejects a password over 1024 bytes before any hashing', async () => {
      const verify = vi.spyOn(hasher, 'verify');
      const hash = vi.spyOn(hasher, 'hash');
      const login = await http()
        .post('/auth/login')
        .send({ username: 'active', password: longPassword });
      expect(login.status).toBe(400);
      expect(login.body.error).toBe('validation_failed');
      const multibyte = '€'.repeat(342); // 342 characters, 1026 bytes
      const register = await http()
        .post('/auth/register')
        .send({ username: 'big', password: multibyte });
      expect(register.status).toBe(400);
      // On registration the limit is one of the password rules, listed with any others it breaks.
      expect(register.body.error).toBe('invalid_password');
      expect(register.body.details).toEqual([
        {
          field: 'password',
          rule: 'maximum_length',
          message: expect.stringContaining('1024 bytes'),
        },
      ]);
      const basic = await http().get('/auth/me').auth('active', longPassword);
      expect(basic.status).toBe(400);
      expect(verify).not.toHaveBeenCalled();
      expect(hash).not.toHaveBeenCalled();
    });

    it('accepts a password of exactly 1024 bytes', async () => {
      const password = 'p'.repeat(1024);
      await http().post('/auth/register').send({ username: 'exact', password }).expect(201);
      await http().post('/auth/login').send({ username: 'exact', password }).expect(200);
    });

    it.each([
      ['an object as username', { username: { $ne: null }, password: PASSWORD }],
      ['an array as password', { username: 'active', password: [PASSWORD] }],
      ['a number as password', { username: 'active', password: 12345678 }],
      ['a missing password', { username: 'active' }],
      ['an empty password', { username: 'active', password: '' }],
      ['a missing username', { password: PASSWORD }],
      ['an empty object', {}],
    ])('login with %s', async (_name, body) => {
      const response = await http().post('/auth/login').send(body);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('validation_failed');
    });

    it.each([
      ['an object as username', { username: { a: 1 }, password: PASSWORD }],
      ['a number as password', { username: 'someone', password: 42 }],
      ['a missing password', { username: 'someone' }],
      ['an empty username', { username: '   ', password: PASSWORD }],
      ['an array body', [{ username: 'someone', password: PASSWORD }]],
      ['a bad email', { username: 'someone', password: PASSWORD, email: 'not-an-email' }],
      ['a control character in the username', { username: 'bad\u0000name', password: PASSWORD }],
    ])('register with %s', async (_name, body) => {
      const response = await http()
        .post('/auth/register')
        .send(body as object);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('validation_failed');
      expect(response.body.details.length).toBeGreaterThan(0);
    });

    it('lists every registration problem at once', async () => {
      const response = await http().post('/auth/register').send({ username: 7, password: 8 });
      expect(response.status).toBe(400);
      expect(response.body.details.map((d: { field: string }) => d.field)).toEqual([
        'username',
        'password',
      ]);
    });

    it('invalid JSON is a 400', async () => {
      for (const path of ['/auth/login', '/auth/register']) {
        const response = await http()
          .post(path)
          .set('Content-Type', 'application/json')
          .send('{"username": ');
        expect(response.status).toBe(400);
      }
    });

    it('a missing body is a 400', async () => {
      for (const path of ['/auth/login', '/auth/register']) {
        const response = await http().post(path);
        expect(response.status).toBe(400);
        expect(response.body.error).toBe('validation_failed');
      }
    });

    it.each([
      ['no colon', `Basic ${Buffer.from('justauser').toString('base64')}`],
      ['bad base64', 'Basic %%%'],
      ['invalid UTF-8', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x61]).toString('base64')}`],
      ['nothing after the scheme', 'Basic'],
    ])('a Basic header with %s is a 401, never a 500', async (_name, header) => {
      const response = await http().get('/notes').set('Authorization', header);
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_credentials');
    });
  });

  it('never puts the password hash in a response', async () => {
    const registered = await http()
      .post('/auth/register')
      .send({ username: 'hashless', password: PASSWORD });
    const viaBasic = await http().get('/auth/me').auth('hashless', PASSWORD);
    const login = await http()
      .post('/auth/login')
      .send({ username: 'hashless', password: PASSWORD });
    const viaJwt = await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${login.body.access_token}`);
    for (const response of [registered, viaBasic, viaJwt]) {
      expect(response.status).toBeLessThan(300);
      expect(response.text).not.toContain('argon2');
      expect(response.body).not.toHaveProperty('passwordHash');
    }
  });
});
