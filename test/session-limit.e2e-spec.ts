import { type INestApplication } from '@nestjs/common';
import { AuthModule, AuthSession, SessionService, User, UserService } from 'portcullis';
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
const HOST = 'notes.example.test';

interface Pair {
  access_token: string;
  refresh_token: string;
}

function sidOf(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid as string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(ADAPTERS)('maxSessionsPerUser on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
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
          strategies: ['jwt', 'cookie'],
          browserSessions: { secure: false },
          maxSessionsPerUser: 2,
          throttle: false,
        }),
      ],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  async function newUser(): Promise<string> {
    const username = `limited${++counter}`;
    await app.get<UserService<User>>(UserService).createUser({ username, password: PASSWORD });
    return username;
  }

  async function login(username: string): Promise<Pair> {
    const response = await http().post('/auth/login').send({ username, password: PASSWORD });
    expect(response.status).toBe(200);
    return response.body as Pair;
  }

  const me = (pair: Pair) =>
    http().get('/auth/me').set('Authorization', `Bearer ${pair.access_token}`);
  const refresh = (pair: Pair) =>
    http().post('/auth/refresh').send({ refresh_token: pair.refresh_token });
  const sessions = () => app.get(DataSource).getRepository(AuthSession);

  async function expectEnded(pair: Pair): Promise<void> {
    const access = await me(pair);
    expect(access.status).toBe(401);
    expect(access.body.error).toBe('token_revoked');
    const renewal = await refresh(pair);
    expect(renewal.status).toBe(401);
    expect(renewal.body.error).toBe('invalid_grant');
  }

  it('a third login ends the least recently used session; the two newest work', async () => {
    const username = await newUser();
    const first = await login(username);
    const second = await login(username);
    await me(first).expect(200);
    const third = await login(username);

    await expectEnded(first);
    const row = await sessions().findOneByOrFail({ id: sidOf(first.access_token) });
    expect(row.revokedAt).toBeInstanceOf(Date);
    expect(row.revokedReason).toBe('session_limit');
    for (const pair of [second, third]) {
      await me(pair).expect(200);
      await refresh(pair).expect(200);
    }
    const live = await sessions().findBy({ userId: row.userId, revokedAt: IsNull() });
    expect(live.map((session) => session.id).sort()).toEqual(
      [sidOf(second.access_token), sidOf(third.access_token)].sort(),
    );
  });

  it('a session refreshed recently survives an older-used one, whatever their ages', async () => {
    const username = await newUser();
    const oldest = await login(username);
    const middle = await login(username);
    // lastUsedAt is stored to the second on MySQL/MariaDB (DATETIME): use it a second later.
    await sleep(1100);
    // Using a session (a refresh) is what counts, not when it began.
    const renewed = (await refresh(oldest).expect(200)).body as Pair;
    const newest = await login(username);

    await expectEnded(middle);
    await me(renewed).expect(200);
    await refresh(renewed).expect(200);
    await me(newest).expect(200);
    const listed = await http()
      .get('/auth/sessions')
      .set('Authorization', `Bearer ${newest.access_token}`)
      .expect(200);
    expect(listed.body.map((session: { id: string }) => session.id).sort()).toEqual(
      [sidOf(oldest.access_token), sidOf(newest.access_token)].sort(),
    );
  });

  it('counts browser (cookie) sessions too', async () => {
    const username = await newUser();
    const api = await login(username);
    await login(username);
    const form = await http()
      .post('/auth/browser/login')
      .set('Host', HOST)
      .set('Origin', `http://${HOST}`)
      .type('form')
      .send({ username, password: PASSWORD });
    expect(form.status).toBe(303);
    expect(form.headers['set-cookie']).toHaveLength(2);
    await expectEnded(api);
  });

  it('ten concurrent logins of one user leave exactly the limit of live sessions, and only theirs work', async () => {
    const username = await newUser();
    const pairs = await Promise.all(Array.from({ length: 10 }, () => login(username)));
    const userId = (await sessions().findOneByOrFail({ id: sidOf(pairs[0].access_token) })).userId;
    const live = await sessions().findBy({ userId, revokedAt: IsNull() });
    expect(live).toHaveLength(2);
    const ended = await sessions().findBy({ userId, revokedReason: 'session_limit' });
    expect(ended).toHaveLength(8);
    let working = 0;
    for (const pair of pairs) if ((await me(pair)).status === 200) working++;
    expect(working).toBe(2);
    // The next login still finds exactly the limit to push one out of.
    const next = await login(username);
    await me(next).expect(200);
    expect(await sessions().countBy({ userId, revokedAt: IsNull() })).toBe(2);
  });

  it('leaves other users alone', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const bobs = await login(bob);
    for (let i = 0; i < 3; i++) await login(alice);
    await me(bobs).expect(200);
  });
});

describe.each(ADAPTERS)('maxSessionsPerUser: 1 on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          jwt: { secret: TEST_JWT_SECRET },
          maxSessionsPerUser: 1,
          throttle: false,
        }),
      ],
      adapter,
    );
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'solo', password: PASSWORD });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('ten sessions started at the very same moment leave exactly one live, whose tokens work', async () => {
    const user = await app.get<UserService<User>>(UserService).findByHandle('solo');
    const userId = String(user!.id);
    const service = app.get(SessionService);
    const started = await Promise.all(Array.from({ length: 10 }, () => service.start(userId)));
    const repository = app.get(DataSource).getRepository(AuthSession);
    const live = await repository.findBy({ userId, revokedAt: IsNull() });
    expect(live).toHaveLength(1);
    // Starts take turns (a row lock, or a queue on SQLite): the last to take its turn is left.
    const survivor = started.find((pair) => pair.sessionId === live[0].id);
    expect(survivor).toBeDefined();
    for (const pair of started) {
      const answer = await request(app.getHttpServer())
        .get('/auth/me')
        .set('Authorization', `Bearer ${pair.access_token}`);
      if (pair === survivor) expect(answer.status).toBe(200);
      else expect(answer.body.error).toBe('token_revoked');
    }
  });

  it('two logins at once end with exactly one live session, and its tokens work', async () => {
    const login = () =>
      request(app.getHttpServer())
        .post('/auth/login')
        .send({ username: 'solo', password: PASSWORD });
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([login(), login()]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      const repository = app.get(DataSource).getRepository(AuthSession);
      const live = await repository.findBy({ revokedAt: IsNull() });
      expect(live).toHaveLength(1);
      const winner = answers.find((answer) => sidOf(answer.body.access_token) === live[0].id);
      expect(winner).toBeDefined();
      await request(app.getHttpServer())
        .get('/auth/me')
        .set('Authorization', `Bearer ${winner!.body.access_token}`)
        .expect(200);
    }
  });
});
