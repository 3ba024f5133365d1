import { type INestApplication } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import {
  AccountService,
  AuthModule,
  AuthSession,
  RefreshTokenRecord,
  User,
  UserService,
} from 'portcullis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createDurableTestDatabase,
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const GRACE_SECONDS = 1;

function authModules(databaseUrl: string) {
  return [
    testTypeOrmModule(databaseUrl),
    AuthModule.forRoot({
      routes: true,
      jwt: { secret: TEST_JWT_SECRET, refreshReuseGrace: GRACE_SECONDS },
      revocationSyncInterval: 200,
    }),
  ];
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(ADAPTERS)('sessions and refresh tokens on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(authModules(database.url), adapter);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  /** A fresh user and a login of theirs. */
  async function loggedIn(prefix = 'user') {
    const username = `${prefix}${++counter}`;
    await app.get<UserService<User>>(UserService).createUser({ username, password: PASSWORD });
    const login = await http()
      .post('/auth/login')
      .set('User-Agent', 'session-test/1.0')
      .send({ username, password: PASSWORD })
      .expect(200);
    return { username, ...(login.body as { access_token: string; refresh_token: string }) };
  }

  const me = (accessToken: string) =>
    http().get('/auth/me').set('Authorization', `Bearer ${accessToken}`);
  const refresh = (refreshToken: string) =>
    http().post('/auth/refresh').send({ refresh_token: refreshToken });

  it('login returns an access and a refresh token of one session; refresh rotates', async () => {
    const session = await loggedIn();
    const access = claimsOf(session.access_token);
    const refreshClaims = claimsOf(session.refresh_token);
    expect(access).toMatchObject({ typ: 'access', sid: expect.any(String) });
    expect(refreshClaims).toMatchObject({ typ: 'refresh', sid: access.sid });
    expect((refreshClaims.exp as number) - (refreshClaims.iat as number)).toBe(14 * 24 * 3600);

    const rotated = await refresh(session.refresh_token).expect(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect(rotated.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
    });
    expect(claimsOf(rotated.body.refresh_token).sid).toBe(access.sid);
    expect(claimsOf(rotated.body.refresh_token).jti).not.toBe(refreshClaims.jti);
    await me(rotated.body.access_token).expect(200);
    await refresh(rotated.body.refresh_token).expect(200);
  });

  it('never accepts an access token as a refresh token, nor the reverse', async () => {
    const session = await loggedIn();
    const asRefresh = await refresh(session.access_token);
    expect(asRefresh.status).toBe(401);
    expect(asRefresh.body.error).toBe('invalid_grant');
    const asAccess = await me(session.refresh_token);
    expect(asAccess.status).toBe(401);
    expect(asAccess.body.error).toBe('invalid_token');
  });

  it('answers bad refresh requests with invalid_grant or validation_failed, never 500', async () => {
    const session = await loggedIn();
    const [header, payload] = session.refresh_token.split('.');
    const forged = `${header}.${payload}.${createHmac('sha256', 'x'.repeat(40)).update(`${header}.${payload}`).digest('base64url')}`;
    for (const token of [forged, 'not-a-token', `${header}.${payload}.`]) {
      const response = await refresh(token);
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_grant');
    }
    for (const body of [{}, { refresh_token: 42 }, [session.refresh_token]]) {
      const response = await http().post('/auth/refresh').send(body);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('validation_failed');
    }
  });

  it('20 parallel refreshes of one token get one successor; reuse after the grace kills the family', async () => {
    const session = await loggedIn();
    const sid = claimsOf(session.access_token).sid as string;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => refresh(session.refresh_token)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const successorIds = new Set(answers.map((a) => claimsOf(a.body.refresh_token).jti));
    expect(successorIds.size).toBe(1);

    const rows = app.get(DataSource).getRepository(RefreshTokenRecord);
    const family = await rows.findBy({ sessionId: sid });
    expect(family).toHaveLength(2);
    expect(family.filter((row) => row.consumedAt === null).map((row) => row.id)).toEqual([
      ...successorIds,
    ]);

    await sleep((GRACE_SECONDS + 1) * 1000 + 100);
    const reuse = await refresh(session.refresh_token);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error).toBe('invalid_grant');

    const successor = answers[0].body as { access_token: string; refresh_token: string };
    expect((await refresh(successor.refresh_token)).body.error).toBe('invalid_grant');
    const revoked = await me(successor.access_token);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toBe('token_revoked');
    expect(revoked.headers['www-authenticate']).toContain('error="invalid_token"');
    const row = await app.get(DataSource).getRepository(AuthSession).findOneByOrFail({ id: sid });
    expect(row.revokedReason).toBe('refresh_reuse');
  });

  it('logout ends the session: its access token at once, and its refresh token', async () => {
    const session = await loggedIn();
    const other = await http()
      .post('/auth/login')
      .send({ username: session.username, password: PASSWORD })
      .expect(200);
    await me(session.access_token).expect(200);
    await http()
      .post('/auth/logout')
      .set('Authorization', `Bearer ${session.access_token}`)
      .expect(204);
    const after = await me(session.access_token);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('token_revoked');
    expect((await refresh(session.refresh_token)).body.error).toBe('invalid_grant');
    await me(other.body.access_token).expect(200);
  });

  it('lists the live sessions and ends one of them; another user’s is a 404', async () => {
    const first = await loggedIn();
    const second = await http()
      .post('/auth/login')
      .set('User-Agent', 'second-device')
      .send({ username: first.username, password: PASSWORD })
      .expect(200);
    const auth = `Bearer ${first.access_token}`;
    const list = await http().get('/auth/sessions').set('Authorization', auth).expect(200);
    expect(list.body).toHaveLength(2);
    const current = list.body.find((s: { current: boolean }) => s.current);
    const otherSession = list.body.find((s: { current: boolean }) => !s.current);
    expect(current).toMatchObject({
      id: claimsOf(first.access_token).sid,
      userAgent: 'session-test/1.0',
    });
    expect(otherSession).toMatchObject({ userAgent: 'second-device', ip: expect.any(String) });

    const stranger = await loggedIn('stranger');
    await http()
      .delete(`/auth/sessions/${otherSession.id}`)
      .set('Authorization', `Bearer ${stranger.access_token}`)
      .expect(404);
    await me(second.body.access_token).expect(200);
    const unknown = await http()
      .delete('/auth/sessions/not-a-session')
      .set('Authorization', auth)
      .expect(404);
    expect(unknown.body).toEqual({
      statusCode: 404,
      error: 'not_found',
      message: 'No such session.',
    });

    await http().delete(`/auth/sessions/${otherSession.id}`).set('Authorization', auth).expect(204);
    expect((await me(second.body.access_token)).body.error).toBe('token_revoked');
    expect((await refresh(second.body.refresh_token)).body.error).toBe('invalid_grant');
    const remaining = await http().get('/auth/sessions').set('Authorization', auth).expect(200);
    expect(remaining.body.map((s: { id: string }) => s.id)).toEqual([current.id]);
  });

  it('change-password checks the current password and ends every other session', async () => {
    const session = await loggedIn();
    const other = await http()
      .post('/auth/login')
      .send({ username: session.username, password: PASSWORD })
      .expect(200);
    const auth = `Bearer ${session.access_token}`;
    const rows = app.get(DataSource).getRepository(User);
    const before = (await rows.findOneByOrFail({ username: session.username })).passwordHash;

    const wrong = await http()
      .post('/auth/change-password')
      .set('Authorization', auth)
      .send({ current_password: 'not it', new_password: 'a brand new secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_credentials');
    expect((await rows.findOneByOrFail({ username: session.username })).passwordHash).toBe(before);
    await me(other.body.access_token).expect(200);

    const invalid = await http()
      .post('/auth/change-password')
      .set('Authorization', auth)
      .send({ current_password: PASSWORD });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details).toEqual([{ field: 'new_password', message: expect.any(String) }]);

    await http()
      .post('/auth/change-password')
      .set('Authorization', auth)
      .send({ current_password: PASSWORD, new_password: 'a brand new secret' })
      .expect(204);
    expect((await me(other.body.access_token)).body.error).toBe('token_revoked');
    expect((await refresh(other.body.refresh_token)).body.error).toBe('invalid_grant');
    await me(session.access_token).expect(200);
    await http()
      .post('/auth/login')
      .send({ username: session.username, password: PASSWORD })
      .expect(401);
    await http()
      .post('/auth/login')
      .send({ username: session.username, password: 'a brand new secret' })
      .expect(200);
  });

  it('deactivating a user ends their sessions on the very next request', async () => {
    const session = await loggedIn();
    await me(session.access_token).expect(200);
    const user = await app.get<UserService<User>>(UserService).findByHandle(session.username);
    await app.get<AccountService<User>>(AccountService).deactivate(user!);
    const after = await me(session.access_token);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('token_revoked');
    expect((await refresh(session.refresh_token)).body.error).toBe('invalid_grant');
    await http()
      .post('/auth/login')
      .send({ username: session.username, password: PASSWORD })
      .expect(401);
  });

  it('a user deactivated with a plain repository update is refused on the next request', async () => {
    const session = await loggedIn();
    await me(session.access_token).expect(200);
    await app
      .get(DataSource)
      .getRepository(User)
      .update({ username: session.username }, { isActive: false });
    const after = await me(session.access_token);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('invalid_token');
  });

  /** Writes to the user row behind Portcullis' back: no TypeORM listeners, so no cache invalidation. */
  function usersTable() {
    return app.get(DataSource).createQueryBuilder();
  }
  const sessionRow = (sid: string) =>
    app.get(DataSource).getRepository(AuthSession).findOneByOrFail({ id: sid });

  it('refuses the refresh of a user deactivated in the database directly, and ends the session for good', async () => {
    const session = await loggedIn();
    const sid = claimsOf(session.access_token).sid as string;
    await me(session.access_token).expect(200); // the user is in the cache now
    const rotated = await refresh(session.refresh_token).expect(200);
    await usersTable()
      .update(User)
      .set({ isActive: false })
      .where('username = :username', { username: session.username })
      .callListeners(false)
      .execute();

    const refused = await refresh(rotated.body.refresh_token);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({
      statusCode: 401,
      error: 'invalid_grant',
      message: expect.any(String),
    });
    expect(refused.body.access_token).toBeUndefined();
    const row = await sessionRow(sid);
    expect(row.revokedAt).toBeInstanceOf(Date);
    expect(row.revokedReason).toBe('deactivated');
    expect((await me(rotated.body.access_token)).body.error).toBe('token_revoked');

    await usersTable()
      .update(User)
      .set({ isActive: true })
      .where('username = :username', { username: session.username })
      .callListeners(false)
      .execute();
    for (const token of [rotated.body.refresh_token, session.refresh_token]) {
      const again = await refresh(token);
      expect(again.status).toBe(401);
      expect(again.body.error).toBe('invalid_grant');
    }
    expect((await me(rotated.body.access_token)).body.error).toBe('token_revoked');
    expect((await sessionRow(sid)).revokedReason).toBe('deactivated');
    // The account itself works again, through a new login.
    await http()
      .post('/auth/login')
      .send({ username: session.username, password: PASSWORD })
      .expect(200);
  });

  it('refuses the refresh of a user whose row was deleted, and ends the session', async () => {
    const session = await loggedIn();
    const sid = claimsOf(session.access_token).sid as string;
    await me(session.access_token).expect(200);
    await usersTable()
      .delete()
      .from(User)
      .where('username = :username', { username: session.username })
      .callListeners(false)
      .execute();

    const refused = await refresh(session.refresh_token);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_grant');
    const row = await sessionRow(sid);
    expect(row.revokedAt).toBeInstanceOf(Date);
    expect(row.revokedReason).toBe('user_deleted');
    expect((await refresh(session.refresh_token)).body.error).toBe('invalid_grant');
    expect((await me(session.access_token)).body.error).toBe('token_revoked');
  });

  it('a user deactivated through the repository cannot refresh either, even with concurrent refreshes', async () => {
    const session = await loggedIn();
    const sid = claimsOf(session.access_token).sid as string;
    await app
      .get(DataSource)
      .getRepository(User)
      .update({ username: session.username }, { isActive: false });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => refresh(session.refresh_token)),
    );
    expect(answers.map((answer) => [answer.status, answer.body.error])).toEqual(
      Array(5).fill([401, 'invalid_grant']),
    );
    expect((await sessionRow(sid)).revokedReason).toBe('deactivated');
    const family = await app
      .get(DataSource)
      .getRepository(RefreshTokenRecord)
      .findBy({ sessionId: sid });
    expect(family).toHaveLength(1);
    expect(family[0].consumedAt).toBeNull();
  });
});

describe('two instances on one database', () => {
  let first: INestApplication;
  let second: INestApplication;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    database = await createDurableTestDatabase();
    const url = database.url;
    first = await createTestApp(authModules(url), 'express');
    second = await createTestApp(authModules(url), 'fastify');
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  it('a logout on one is refused by the other after its next sync', async () => {
    await first
      .get<UserService<User>>(UserService)
      .createUser({ username: 'shared', password: PASSWORD });
    const login = await request(first.getHttpServer())
      .post('/auth/login')
      .send({ username: 'shared', password: PASSWORD })
      .expect(200);
    const auth = `Bearer ${login.body.access_token}`;
    await request(second.getHttpServer()).get('/auth/me').set('Authorization', auth).expect(200);
    await request(second.getHttpServer())
      .post('/auth/logout')
      .set('Authorization', auth)
      .expect(204);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 5000) {
      status = (await request(first.getHttpServer()).get('/auth/me').set('Authorization', auth))
        .status;
      if (status === 200) await sleep(50);
    }
    // Eventually, not within a timed bound: the sync interval is 200 ms, but these machines are shared.
    expect(status).toBe(401);
  });
});
