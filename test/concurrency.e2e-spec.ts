import type { INestApplication } from '@nestjs/common';
import {
  ApiKey,
  AuthModule,
  AuthSession,
  PasswordHasher,
  RefreshTokenRecord,
  User,
  UserService,
} from 'portcullis';
import request from 'supertest';
import { DataSource, IsNull } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery staple';

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/**
 * Many requests at once on one account: the database must end up consistent, with exactly the rows
 * the answers promised, and no request may fail with a 500.
 */
describe.each(ADAPTERS)('concurrent requests on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let dataSource: DataSource;
  const http = () => request(app.getHttpServer());
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          jwt: { secret: TEST_JWT_SECRET },
          defaultGroups: ['member'],
          // Not about throttling: these bursts come from one address.
          throttle: false,
        }),
      ],
      adapter,
    );
    dataSource = app.get(DataSource);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  async function loggedIn() {
    const username = `racer${++counter}`;
    await app.get<UserService<User>>(UserService).createUser({ username, password: PASSWORD });
    const login = await http()
      .post('/auth/login')
      .send({ username, password: PASSWORD })
      .expect(200);
    return { username, ...(login.body as { access_token: string; refresh_token: string }) };
  }

  it('50 registrations of one username: one 201, 49 × 409 username_taken, one row', async () => {
    const username = `popular${adapter}`;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        http().post('/auth/register').send({ username, password: PASSWORD }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(
      statuses.filter((status) => status >= 500),
      JSON.stringify(answers[0].body),
    ).toEqual([]);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    const conflicts = answers.filter((answer) => answer.status === 409);
    expect(conflicts).toHaveLength(49);
    for (const conflict of conflicts)
      expect(conflict.body).toMatchObject({ error: 'username_taken' });
    expect(await dataSource.getRepository(User).countBy({ username })).toBe(1);
  });

  it('20 password changes at once: 204 or 401 each, one new password wins, other sessions end', async () => {
    const user = await loggedIn();
    // Other sessions of the same user, which every successful change must end.
    const others = [];
    for (let i = 0; i < 3; i++) {
      others.push(
        (await http().post('/auth/login').send({ username: user.username, password: PASSWORD }))
          .body as { access_token: string },
      );
    }
    const newPasswords = Array.from({ length: 20 }, (_, i) => `brand new passphrase number ${i}`);
    const answers = await Promise.all(
      newPasswords.map((newPassword) =>
        http()
          .post('/auth/change-password')
          .set('Authorization', `Bearer ${user.access_token}`)
          .send({ current_password: PASSWORD, new_password: newPassword }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(
      statuses.every((status) => status === 204 || status === 401),
      String(statuses),
    ).toBe(true);
    expect(statuses).toContain(204);

    const stored = await app
      .get<UserService<User>>(UserService)
      .findByHandle(user.username, { withPasswordHash: true });
    const hasher = app.get(PasswordHasher);
    const matching = [];
    for (const candidate of [PASSWORD, ...newPasswords]) {
      if (await hasher.verify(stored!.passwordHash!, candidate)) matching.push(candidate);
    }
    expect(matching).toHaveLength(1);
    expect(newPasswords).toContain(matching[0]);

    const live = await dataSource
      .getRepository(AuthSession)
      .findBy({ userId: String(stored!.id), revokedAt: IsNull() });
    expect(live.map((session) => session.id)).toEqual([claimsOf(user.access_token).sid]);
    for (const other of others) {
      await http().get('/auth/me').set('Authorization', `Bearer ${other.access_token}`).expect(401);
    }
    await http()
      .post('/auth/login')
      .send({ username: user.username, password: matching[0] })
      .expect(200);
  });

  it('20 API keys created at once: 20 distinct ids, 20 rows', async () => {
    const user = await loggedIn();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        http()
          .post('/auth/api-keys')
          .set('Authorization', `Bearer ${user.access_token}`)
          .send({ label: `key ${i}` }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    const ids = new Set(answers.map((answer) => (answer.body as { id: string }).id));
    expect(ids.size).toBe(20);
    const userId = String(claimsOf(user.access_token).sub);
    const rows = await dataSource.getRepository(ApiKey).findBy({ userId });
    expect(new Set(rows.map((row) => row.id))).toEqual(ids);
  });

  it('20 refreshes of one refresh token at once: one successor, no orphan rows', async () => {
    const user = await loggedIn();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        http().post('/auth/refresh').send({ refresh_token: user.refresh_token }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(
      statuses.every((status) => status === 200 || status === 401),
      String(statuses),
    ).toBe(true);
    expect(statuses).toContain(200);
    // Every 200 hands out the same successor (the grace window for retries).
    const successors = new Set(
      answers
        .filter((answer) => answer.status === 200)
        .map((answer) => claimsOf((answer.body as { refresh_token: string }).refresh_token).jti),
    );
    expect(successors.size).toBe(1);

    const sessionId = String(claimsOf(user.refresh_token).sid);
    const family = await dataSource.getRepository(RefreshTokenRecord).findBy({ sessionId });
    expect(family).toHaveLength(2);
    const original = family.find((token) => token.id === claimsOf(user.refresh_token).jti);
    expect(original?.consumedAt).not.toBeNull();
    expect(original?.successorId).toBe([...successors][0]);

    const sessionIds = new Set(
      (await dataSource.getRepository(AuthSession).find({ select: { id: true } })).map(
        (session) => session.id,
      ),
    );
    const orphans = (await dataSource.getRepository(RefreshTokenRecord).find()).filter(
      (token) => !sessionIds.has(token.sessionId),
    );
    expect(orphans).toEqual([]);
    const next = answers.find((answer) => answer.status === 200)!.body as {
      refresh_token: string;
    };
    await http().post('/auth/refresh').send({ refresh_token: next.refresh_token }).expect(200);
  });
});
