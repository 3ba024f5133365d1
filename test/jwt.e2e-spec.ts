import type { INestApplication } from '@nestjs/common';
import { createHmac, createSecretKey, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { User, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const KEY = createSecretKey(Buffer.from(TEST_JWT_SECRET, 'utf8'));
const base64url = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Signs an HS256 token by hand, so tests can put anything in the header and payload. */
function handSigned(
  header: object,
  payload: object | string,
  secret: string | Buffer = TEST_JWT_SECRET,
): string {
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

describe.each(ADAPTERS)('access tokens on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let userId: string;
  const http = () => request(app.getHttpServer());
  const now = () => Math.floor(Date.now() / 1000);

  function claims(overrides: Record<string, unknown> = {}) {
    return {
      sub: userId,
      typ: 'access',
      sid: 'test-session',
      jti: 'test-jti',
      iat: now(),
      exp: now() + 600,
      iss: 'portcullis',
      aud: 'portcullis',
      ...overrides,
    };
  }

  async function call(token: string) {
    return http().get('/auth/me').set('Authorization', `Bearer ${token}`);
  }

  async function expectRejected(token: string, error = 'invalid_token') {
    const response = await call(token);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe(error);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    return response;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [AppModule.forRoot({ databaseUrl: database.url, jwtSecret: TEST_JWT_SECRET })],
      adapter,
    );
    const users = app.get<UserService<User>>(UserService);
    const user = await users.createUser({ username: 'tess', password: 'correct horse battery' });
    userId = String(user.id);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('accepts a token it issued, and a hand-made one with the same key and claims', async () => {
    const login = await http()
      .post('/auth/login')
      .send({ username: 'tess', password: 'correct horse battery' })
      .expect(200);
    const [header, payload] = login.body.access_token
      .split('.')
      .slice(0, 2)
      .map((part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT', kid: expect.any(String) });
    expect(payload).toMatchObject({
      sub: userId,
      typ: 'access',
      iss: 'portcullis',
      aud: 'portcullis',
      jti: expect.any(String),
    });
    expect(payload.exp - payload.iat).toBe(900);
    expect((await call(login.body.access_token)).status).toBe(200);
    expect((await call(handSigned({ alg: 'HS256', typ: 'JWT' }, claims()))).status).toBe(200);
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('rejects alg %s', async (alg) => {
    await expectRejected(`${base64url({ alg, typ: 'JWT' })}.${base64url(claims())}.`);
  });

  it('rejects an empty signature and a signature from another secret', async () => {
    const good = handSigned({ alg: 'HS256' }, claims());
    await expectRejected(`${good.split('.').slice(0, 2).join('.')}.`);
    await expectRejected(
      handSigned({ alg: 'HS256' }, claims(), 'another-secret-that-is-also-long-enough-000'),
    );
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [header, , signature] = handSigned({ alg: 'HS256' }, claims()).split('.');
    await expectRejected(`${header}.${base64url(claims({ sub: '999' }))}.${signature}`);
  });

  it('rejects HS256 signed with a public key, and other algorithms', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    await expectRejected(handSigned({ alg: 'HS256' }, claims(), pem));
    await expectRejected(jwt.sign(claims(), privateKey, { algorithm: 'RS256' }));
    await expectRejected(jwt.sign(claims(), KEY, { algorithm: 'HS512' }));
  });

  it('reports an expired token as token_expired, and a forged expired one as invalid_token', async () => {
    const expired = claims({ iat: now() - 3600, exp: now() - 120 });
    await expectRejected(handSigned({ alg: 'HS256' }, expired), 'token_expired');
    await expectRejected(handSigned({ alg: 'HS256' }, expired, 'x'.repeat(40)), 'invalid_token');
  });

  it('a token verified before is not trusted blindly: same signature with another payload, and its expiry', async () => {
    const good = handSigned({ alg: 'HS256' }, claims({ jti: 'remembered' }));
    expect((await call(good)).status).toBe(200);
    expect((await call(good)).status).toBe(200);
    // The cache of verified tokens is keyed by the signature; a changed payload must not ride on it.
    const [header, , signature] = good.split('.');
    await expectRejected(
      `${header}.${base64url(claims({ jti: 'remembered', sub: '999' }))}.${signature}`,
    );
    const soon = handSigned({ alg: 'HS256' }, claims({ jti: 'soon', exp: now() + 5 }));
    expect((await call(soon)).status).toBe(200);
    // Past its exp and the 30 s leeway, the same token, verified a moment ago, is expired.
    vi.useFakeTimers({ toFake: ['Date'], now: (now() + 5 + 31) * 1000 });
    try {
      await expectRejected(soon, 'token_expired');
    } finally {
      vi.useRealTimers();
    }
  });

  it('tolerates clock skew within the 30 s leeway only', async () => {
    expect((await call(handSigned({ alg: 'HS256' }, claims({ exp: now() - 10 })))).status).toBe(
      200,
    );
    await expectRejected(handSigned({ alg: 'HS256' }, claims({ nbf: now() + 300 })));
    expect((await call(handSigned({ alg: 'HS256' }, claims({ nbf: now() + 5 })))).status).toBe(200);
  });

  it('accepts the longest lifetime allowed (accessTokenTtl 900 + leeway 30) and an iat 25 s ahead', async () => {
    expect((await call(handSigned({ alg: 'HS256' }, claims({ exp: now() + 930 })))).status).toBe(
      200,
    );
    const ahead = claims({ jti: 'ahead', iat: now() + 25, exp: now() + 600 });
    expect((await call(handSigned({ alg: 'HS256' }, ahead))).status).toBe(200);
  });

  /** The claims as JSON text with `exp`/`iat` written verbatim, for numbers JSON.stringify cannot write. */
  const rawClaims = (exp: string, iat: string = String(now())) =>
    JSON.stringify(claims({ exp: 0, iat: 0 }))
      .replace('"exp":0', `"exp":${exp}`)
      .replace('"iat":0', `"iat":${iat}`);

  it.each([
    ['a lifetime one second over accessTokenTtl + leeway', () => claims({ exp: now() + 931 })],
    ['an hour-long lifetime', () => claims({ exp: now() + 3600 })],
    ['exp 1e20', () => claims({ exp: 1e20 })],
    ['exp 2^64', () => claims({ exp: 2 ** 64 })],
    ['exp 1e400 (Infinity once parsed)', () => rawClaims('1e400')],
    ['iat and exp 1e400', () => rawClaims('1e400', '1e400')],
    ['iat -1e400 (minus Infinity)', () => rawClaims(String(now() + 600), '-1e400')],
    ['a negative iat', () => claims({ iat: -1, exp: now() + 600 })],
    ['iat 1e20', () => claims({ iat: 1e20, exp: 1e20 + 600 })],
    ['an iat 60 s ahead (leeway 30)', () => claims({ iat: now() + 60, exp: now() + 600 })],
    ['an iat as a string', () => claims({ iat: String(now()) })],
  ])('refuses a well-signed token with %s, also once it is remembered', async (_name, make) => {
    const token = handSigned({ alg: 'HS256' }, make());
    await expectRejected(token);
    // The second time, the signature comes from the cache of verified tokens: the rules still apply.
    await expectRejected(token);
  });

  it.each([
    ['a missing exp', { exp: undefined }],
    ['a missing sub', { sub: undefined }],
    ['a missing jti', { jti: undefined }],
    ['a missing sid', { sid: undefined }],
    ['a missing typ', { typ: undefined }],
    ['typ refresh', { typ: 'refresh' }],
    ['a wrong issuer', { iss: 'someone-else' }],
    ['a wrong audience', { aud: 'another-api' }],
    ['a missing issuer', { iss: undefined }],
    ['a subject that is not a user', { sub: '999999' }],
    ['a subject that is not an id', { sub: "1' OR '1'='1" }],
    ['a numeric subject', { sub: 1 }],
  ])('rejects %s', async (_name, overrides) => {
    await expectRejected(handSigned({ alg: 'HS256' }, claims(overrides)));
  });

  it('rejects the token of a user who was deactivated', async () => {
    const users = app.get<UserService<User>>(UserService);
    const user = await users.createUser({ username: 'leaver', password: 'correct horse battery' });
    const token = handSigned({ alg: 'HS256' }, claims({ sub: String(user.id) }));
    expect((await call(token)).status).toBe(200);
    await users.updateColumns(user, { isActive: false });
    await expectRejected(token);
  });

  it.each([
    ['two segments', () => `${base64url({ alg: 'HS256' })}.${base64url(claims())}`],
    ['four segments', () => `${handSigned({ alg: 'HS256' }, claims())}.extra`],
    ['a JSON array payload', () => handSigned({ alg: 'HS256' }, [1, 2, 3] as unknown as object)],
    [
      'a payload that is not JSON',
      () => `${base64url({ alg: 'HS256' })}.${base64url('not json')}.sig`,
    ],
    [
      '12 KB of forged claims',
      () => handSigned({ alg: 'HS256' }, claims({ pad: 'a'.repeat(12_000) }), 'k'.repeat(40)),
    ],
  ])('answers a token with %s with 401, never 500', async (_name, make) => {
    const response = await call(make());
    expect(response.status).toBe(401);
    expect(['invalid_token', 'token_expired']).toContain(response.body.error);
  });

  it('answers a token with characters outside base64url with 400 invalid_request (RFC 6750)', async () => {
    const response = await call('e30.!!!.abc');
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    expect(response.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('a 100 KB token is refused by the HTTP server itself (431), never a 500', async () => {
    const response = await call(handSigned({ alg: 'HS256' }, claims({ pad: 'a'.repeat(100_000) })));
    expect([401, 431]).toContain(response.status);
  });

  it('does not take a token from the query string or a lower-cased "bearer" in another header', async () => {
    const token = handSigned({ alg: 'HS256' }, claims());
    expect((await http().get(`/auth/me?access_token=${token}`)).status).toBe(401);
    expect((await http().get('/auth/me').set('X-Token', token)).status).toBe(401);
    expect((await http().get('/auth/me').set('Authorization', `bearer ${token}`)).status).toBe(200);
  });
});
