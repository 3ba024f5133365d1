import type { INestApplication } from '@nestjs/common';
import { createHmac, randomUUID } from 'node:crypto';
import { ApiKeyService, ApiKeyStrategy, JwtStrategy, User, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * Portcullis' bearer strategies decide a request directly instead of through Passport's per-request
 * protocol (`verifyDirectly`). Every request here is sent twice, once each way, and must get the
 * same answer: status, body and challenge.
 */
describe.each(ADAPTERS)('the direct path of the bearer strategies on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const credentials: Record<string, string> = {};
  const http = () => request(app.getHttpServer());

  async function login(username: string): Promise<string> {
    const response = await http()
      .post('/auth/login')
      .send({ username, password: 'correct horse battery' })
      .expect(200);
    return response.body.access_token as string;
  }

  async function answer(headers: Record<string, string>) {
    let call = http().get('/auth/me');
    for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
    const response = await call;
    return {
      status: response.status,
      body: response.body as unknown,
      challenge: response.headers['www-authenticate'] as string | undefined,
    };
  }

  /** Runs `send` with the direct path of both strategies switched off: Passport's protocol only. */
  async function throughPassport<T>(send: () => Promise<T>): Promise<T> {
    const strategies = [app.get(JwtStrategy), app.get(ApiKeyStrategy)] as unknown as Array<{
      verifyDirectly?: unknown;
    }>;
    const direct = strategies.map((strategy) => strategy.verifyDirectly);
    strategies.forEach((strategy) => (strategy.verifyDirectly = undefined));
    try {
      return await send();
    } finally {
      strategies.forEach((strategy, index) => (strategy.verifyDirectly = direct[index]));
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [AppModule.forRoot({ databaseUrl: database.url, jwtSecret: TEST_JWT_SECRET })],
      adapter,
    );
    const users = app.get<UserService<User>>(UserService);
    const keys = app.get<ApiKeyService<User>>(ApiKeyService);
    const active = await users.createUser({ username: 'tess', password: 'correct horse battery' });
    const leaving = await users.createUser({ username: 'lee', password: 'correct horse battery' });
    credentials.token = await login('tess');
    credentials.key = (await keys.createKey(String(active.id), { label: 'direct' })).key;
    const revokedKey = await keys.createKey(String(active.id), { label: 'revoked' });
    await keys.revokeKey(String(active.id), revokedKey.record.id);
    credentials.revokedKey = revokedKey.key;
    credentials.loggedOut = await login('tess');
    await http()
      .post('/auth/logout')
      .set('Authorization', `Bearer ${credentials.loggedOut}`)
      .expect(204);
    credentials.inactiveToken = await login('lee');
    credentials.inactiveKey = (await keys.createKey(String(leaving.id), { label: 'lee' })).key;
    await users.updateColumns(leaving, { isActive: false });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('is on for both strategies', () => {
    expect(app.get(JwtStrategy).verifyDirectly).toBeTypeOf('function');
    expect(app.get(ApiKeyStrategy).verifyDirectly).toBeTypeOf('function');
    // The JWT strategy also reads a token once instead of twice; Passport's path must not use it.
    expect(app.get(JwtStrategy).verifyIfPresent).toBeTypeOf('function');
  });

  const last = (value: string, replacement: string) => value.slice(0, -1) + replacement;
  it.each<[string, (c: Record<string, string>) => Record<string, string>]>([
    ['a good token', (c) => ({ authorization: `Bearer ${c.token}` })],
    ['a good token, scheme in lower case', (c) => ({ authorization: `bearer ${c.token}` })],
    ['a good token after two spaces', (c) => ({ authorization: `Bearer  ${c.token}` })],
    ['a good token after a tab', (c) => ({ authorization: `Bearer\t${c.token}` })],
    ['a good token and more', (c) => ({ authorization: `Bearer ${c.token} more` })],
    [
      'a token with a changed signature',
      (c) => ({ authorization: `Bearer ${last(c.token, 'A')}` }),
    ],
    ['a token of four segments', (c) => ({ authorization: `Bearer ${c.token}.x` })],
    ['a token of an ended session', (c) => ({ authorization: `Bearer ${c.loggedOut}` })],
    ['a token of an inactive user', (c) => ({ authorization: `Bearer ${c.inactiveToken}` })],
    ['a good key', (c) => ({ authorization: `Bearer ${c.key}` })],
    ['a good key, scheme in upper case', (c) => ({ authorization: `BEARER ${c.key}` })],
    ['a good key after two spaces', (c) => ({ authorization: `Bearer  ${c.key}` })],
    ['a good key in X-API-Key', (c) => ({ 'x-api-key': c.key })],
    ['a good key in X-API-Key, padded', (c) => ({ 'x-api-key': `  ${c.key}  ` })],
    ['a key and more in X-API-Key', (c) => ({ 'x-api-key': `${c.key} more` })],
    ['a key with a bad checksum', (c) => ({ authorization: `Bearer ${last(c.key, 'A')}` })],
    ['a revoked key', (c) => ({ authorization: `Bearer ${c.revokedKey}` })],
    ['a key of an inactive user', (c) => ({ 'x-api-key': c.inactiveKey })],
    ['an empty X-API-Key', () => ({ 'x-api-key': '' })],
  ])('answers %s as Passport does', async (_case, headers) => {
    const sent = headers(credentials);
    const direct = await answer(sent);
    expect(await throughPassport(() => answer(sent))).toEqual(direct);
    // And the other way round, so that neither path only ever sees what the other cached.
    expect(await answer(sent)).toEqual(await throughPassport(() => answer(sent)));
  });

  /** An HS256 token made with the app's secret, as another service holding it could. */
  function minted(claims: Record<string, unknown>): string {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
    return `${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`;
  }

  it.each([
    ['a lifetime of an hour (accessTokenTtl 900 + leeway 30)', 0, 3600],
    ['an iat 10 minutes ahead', 600, 900],
  ])('refuses a well-signed token with %s on both paths', async (_case, ahead, lifetime) => {
    const iat = Math.floor(Date.now() / 1000) + ahead;
    const { sub } = JSON.parse(
      Buffer.from(credentials.token.split('.')[1], 'base64url').toString(),
    );
    const token = minted({
      typ: 'access',
      sub,
      sid: randomUUID(),
      jti: randomUUID(),
      iss: 'portcullis',
      aud: 'portcullis',
      iat,
      exp: iat + lifetime,
    });
    const sent = { authorization: `Bearer ${token}` };
    for (const response of [await answer(sent), await throughPassport(() => answer(sent))]) {
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_token' });
    }
  });
});
