import { type INestApplication } from '@nestjs/common';
import { ApiKeyService, AuthModule, AuthSession, User, UserService } from 'portcullis';
import request from 'supertest';
import { DataSource, IsNull } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new secret phrase';

type Method = 'get' | 'post' | 'delete';

describe.each(ADAPTERS)('API keys cannot manage the account on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          adminRoutes: true,
          jwt: { secret: TEST_JWT_SECRET },
          strategies: ['jwt', 'api-key', 'basic'],
        }),
      ],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  let counter = 0;

  /** A user with two logged-in sessions, a `notes.read` key and an unscoped key. */
  async function owner() {
    const username = `owner${++counter}`;
    const user = await app
      .get<UserService<User>>(UserService)
      .createUser({ username, password: PASSWORD });
    const logins = [];
    for (let i = 0; i < 2; i++) {
      const login = await http().post('/auth/login').send({ username, password: PASSWORD });
      expect(login.status).toBe(200);
      logins.push(login.body as { access_token: string; refresh_token: string });
    }
    const keys = app.get<ApiKeyService<User>>(ApiKeyService);
    const scoped = await keys.createKey(String(user.id), {
      label: 'read',
      scopes: ['notes.read'],
    });
    const unscoped = await keys.createKey(String(user.id), { label: 'all', scopes: [] });
    const sessionIds = (
      await app
        .get(DataSource)
        .getRepository(AuthSession)
        .findBy({ userId: String(user.id) })
    ).map((session) => session.id);
    return { user, username, logins, sessionIds, keys: [scoped.key, unscoped.key] };
  }

  function routes(sessionId: string, keyId: string): Array<[Method, string, object?]> {
    return [
      ['post', '/auth/change-password', { current_password: PASSWORD, new_password: NEW_PASSWORD }],
      ['get', '/auth/sessions'],
      ['delete', `/auth/sessions/${sessionId}`],
      ['post', '/auth/logout'],
      ['get', '/auth/api-keys'],
      ['post', '/auth/api-keys', { label: 'more' }],
      ['delete', `/auth/api-keys/${keyId}`],
    ];
  }

  it('answers 403 insufficient_permissions on every account route, scoped key or not, and changes nothing', async () => {
    const account = await owner();
    const users = app.get(DataSource).getRepository(User);
    const hashBefore = (await users.findOneByOrFail({ username: account.username })).passwordHash;
    const keyIds = (
      await app.get<ApiKeyService<User>>(ApiKeyService).listKeys(String(account.user.id))
    ).map((key) => key.id);
    for (const key of account.keys) {
      for (const header of ['X-API-Key', 'Authorization'] as const) {
        const value = header === 'Authorization' ? `Bearer ${key}` : key;
        for (const [method, path, body] of routes(account.sessionIds[0], keyIds[0])) {
          const pending = http()[method](path).set(header, value);
          const response = await (body ? pending.send(body) : pending);
          expect([method, path, response.status]).toEqual([method, path, 403]);
          expect(response.body).toEqual({
            statusCode: 403,
            error: 'insufficient_permissions',
            message: 'API keys cannot manage the account; log in as the user.',
          });
          expect(response.text).not.toContain(key);
        }
      }
    }
    // Nothing changed: the password, every session and every key still work.
    expect((await users.findOneByOrFail({ username: account.username })).passwordHash).toBe(
      hashBefore,
    );
    const live = await app
      .get(DataSource)
      .getRepository(AuthSession)
      .findBy({ userId: String(account.user.id), revokedAt: IsNull() });
    expect(live.map((session) => session.id).sort()).toEqual([...account.sessionIds].sort());
    for (const login of account.logins) {
      await http().get('/auth/me').set('Authorization', `Bearer ${login.access_token}`).expect(200);
    }
    for (const key of account.keys) await http().get('/auth/me').set('X-API-Key', key).expect(200);
    await http()
      .post('/auth/login')
      .send({ username: account.username, password: PASSWORD })
      .expect(200);
  });

  it('a key may still read its own user (GET /auth/me), and the owner’s login may manage the account', async () => {
    const account = await owner();
    const me = await http().get('/auth/me').set('X-API-Key', account.keys[0]).expect(200);
    expect(me.body.username).toBe(account.username);
    const auth = `Bearer ${account.logins[0].access_token}`;
    await http().get('/auth/sessions').set('Authorization', auth).expect(200);
    // The other login's session: rows come back in no set order.
    const currentSid = JSON.parse(
      Buffer.from(account.logins[0].access_token.split('.')[1], 'base64url').toString(),
    ).sid;
    const other = account.sessionIds.find((id) => id !== currentSid);
    expect(other).toBeDefined();
    await http().delete(`/auth/sessions/${other}`).set('Authorization', auth).expect(204);
    await http()
      .post('/auth/change-password')
      .set('Authorization', auth)
      .send({ current_password: PASSWORD, new_password: NEW_PASSWORD })
      .expect(204);
  });

  it('an anonymous caller gets 401, not 403, on the same routes', async () => {
    for (const [method, path, body] of routes('some-session', 'some-key')) {
      const pending = http()[method](path);
      const response = await (body ? pending.send(body) : pending);
      expect([method, path, response.status]).toEqual([method, path, 401]);
      expect(response.body.error).toBe('not_authenticated');
      expect(response.headers['www-authenticate']).toContain('Bearer');
    }
  });

  it('a superuser’s key is refused on the admin routes too', async () => {
    const root = await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'root', password: PASSWORD, isSuperuser: true });
    const { key } = await app
      .get<ApiKeyService<User>>(ApiKeyService)
      .createKey(String(root.id), { label: 'root', scopes: [] });
    const response = await http()
      .post(`/auth/admin/users/${root.id}/deactivate`)
      .set('X-API-Key', key);
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('insufficient_permissions');
    const stored = await app.get(DataSource).getRepository(User).findOneByOrFail({ id: root.id });
    expect(stored.isActive).toBe(true);
  });
});
