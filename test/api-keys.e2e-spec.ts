import {
  Controller,
  Get,
  Module,
  Req,
  UseGuards,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  AccountService,
  ApiKey,
  AuthGuard,
  AuthModule,
  CurrentUser,
  User,
  UserService,
  type AuthRequest,
} from 'portcullis';
import request from 'supertest';
import { DataSource, type Logger } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createDurableTestDatabase,
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_SHAPE = /^pcs_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}$/;
const INVALID_KEY = { statusCode: 401, error: 'invalid_token', message: expect.any(String) };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The parts of `pcs_<id>_<secret><checksum>`. */
function partsOf(key: string) {
  const [, id, tail] = key.split('_');
  return { id, secret: tail.slice(0, 43), checksum: tail.slice(43) };
}

/** The documented checksum: CRC32 of everything before it, as 6 base62 digits. */
function withChecksum(body: string): string {
  let value = crc32(body);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = BASE62[value % 62] + sum;
    value = Math.floor(value / 62);
  }
  return body + sum;
}

/** `key` with the character at `index` replaced by a different base62 character. */
function changeCharacter(key: string, index: number): string {
  const replacement = BASE62[(BASE62.indexOf(key[index]) + 1 + randomInt(61)) % 62];
  return key.slice(0, index) + replacement + key.slice(index + 1);
}

/** A route that shows who the request is and what the credential said about it. */
@Controller('whoami')
class WhoAmIController {
  @UseGuards(AuthGuard)
  @Get()
  show(@CurrentUser('username') username: string, @Req() request: AuthRequest) {
    return { user: username, info: request.authInfo };
  }
}

/** A fixture app: TypeORM, AuthModule with its routes and the default strategies, and /whoami. */
@Module({})
class ApiKeyFixtureModule {
  static create(url: string): DynamicModule {
    return {
      module: ApiKeyFixtureModule,
      imports: [
        testTypeOrmModule(url),
        AuthModule.forRoot({
          routes: true,
          jwt: { secret: TEST_JWT_SECRET },
          revocationSyncInterval: 200,
        }),
      ],
      controllers: [WhoAmIController],
    };
  }
}

/** One TypeORM logger call, as the query counter saw it. */
interface LoggedCall {
  method: keyof Logger;
  query: string;
}

/**
 * Replaces the data source's logger with one that records every call. TypeORM's drivers call
 * `logger.logQuery` for each statement whatever the `logging` option says.
 */
function recordQueries(dataSource: DataSource) {
  const calls: LoggedCall[] = [];
  const original = dataSource.logger;
  dataSource.logger = {
    logQuery: (query) => void calls.push({ method: 'logQuery', query }),
    logQueryError: (_error, query) => void calls.push({ method: 'logQueryError', query }),
    logQuerySlow: (_time, query) => void calls.push({ method: 'logQuerySlow', query }),
    logSchemaBuild: (message) => void calls.push({ method: 'logSchemaBuild', query: message }),
    logMigration: (message) => void calls.push({ method: 'logMigration', query: message }),
    log: (_level, message) => void calls.push({ method: 'log', query: String(message) }),
  };
  // The revocation syncs (`revokedAt >= ?`, every 200 ms) run in the background whatever the requests do.
  const foreground = () => calls.filter((call) => !/revokedAt\W*\s*>=/.test(call.query));
  return {
    calls,
    count: () => foreground().length,
    selects: () =>
      foreground().filter((call) => call.method === 'logQuery' && /^\s*SELECT/i.test(call.query)),
    restore: () => {
      dataSource.logger = original;
    },
  };
}

describe.each(ADAPTERS)('API keys on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp([ApiKeyFixtureModule.create(database.url)], adapter);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const rows = () => app.get(DataSource).getRepository(ApiKey);

  /** A fresh user and an access token of theirs. */
  async function loggedIn(prefix = 'keyuser') {
    const username = `${prefix}${++counter}`;
    const user = await app
      .get<UserService<User>>(UserService)
      .createUser({ username, password: PASSWORD });
    const login = await http()
      .post('/auth/login')
      .send({ username, password: PASSWORD })
      .expect(200);
    return { username, user, auth: `Bearer ${login.body.access_token as string}` };
  }

  /** Creates a key through the route and returns it with its id. */
  async function newKey(auth: string, body: object = { label: 'ci' }) {
    const response = await http().post('/auth/api-keys').set('Authorization', auth).send(body);
    expect(response.status).toBe(201);
    return response.body as { id: string; key: string; scopes: string[] };
  }

  const withBearer = (key: string) => http().get('/whoami').set('Authorization', `Bearer ${key}`);
  const withHeader = (key: string) => http().get('/whoami').set('X-API-Key', key);

  it('creates a key shown once, lists it without the key or its digest, stores only a digest', async () => {
    const owner = await loggedIn();
    const created = await http()
      .post('/auth/api-keys')
      .set('Authorization', owner.auth)
      .send({ label: 'ci', scopes: ['notes.read'] });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).toEqual({
      id: expect.any(String),
      key: expect.stringMatching(KEY_SHAPE),
      label: 'ci',
      scopes: ['notes.read'],
      expires_at: null,
      created_at: expect.any(String),
      last_used_at: null,
    });
    const { key, id } = created.body as { key: string; id: string };
    expect(key.startsWith('pcs_')).toBe(true);
    expect(partsOf(key).id).toBe(id);
    expect(Number.isNaN(Date.parse(created.body.created_at))).toBe(false);

    const row = await rows().findOneByOrFail({ id });
    const { secret } = partsOf(key);
    expect(row.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(row.digest).not.toBe(secret);
    expect(row.digest).not.toContain(secret);
    expect(row.pepperId).toBe('jwt-derived');
    expect(row.userId).toBe(String(owner.user.id));
    expect(row.label).toBe('ci');
    expect(row.scopes).toEqual(['notes.read']);
    expect(row.revokedAt).toBeNull();

    const list = await http().get('/auth/api-keys').set('Authorization', owner.auth).expect(200);
    expect(list.body).toEqual([
      {
        id,
        label: 'ci',
        scopes: ['notes.read'],
        expires_at: null,
        created_at: expect.any(String),
        last_used_at: null,
      },
    ]);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(row.digest);
    expect(list.text).not.toContain(key);

    // Another user's list is theirs alone.
    const stranger = await loggedIn('stranger');
    const theirs = await http().get('/auth/api-keys').set('Authorization', stranger.auth);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual([]);
  });

  it('authenticates with Authorization: Bearer and with X-API-Key, with the key’s scopes', async () => {
    const owner = await loggedIn();
    const { key, id } = await newKey(owner.auth, { label: 'ci', scopes: ['notes.read'] });
    const expected = {
      user: owner.username,
      info: { strategy: 'api-key', keyId: id, scopes: ['notes.read'] },
    };
    const bearer = await withBearer(key);
    expect(bearer.status).toBe(200);
    expect(bearer.body).toEqual(expected);
    const header = await withHeader(key);
    expect(header.status).toBe(200);
    expect(header.body).toEqual(expected);

    const unscoped = await newKey(owner.auth, { label: 'all' });
    expect(unscoped.scopes).toEqual([]);
    expect((await withHeader(unscoped.key).expect(200)).body.info).toEqual({
      strategy: 'api-key',
      keyId: unscoped.id,
      scopes: [],
    });
  });

  it('revokes: 204, the very next request is 401, again is 404; another user’s key is a 404', async () => {
    const owner = await loggedIn();
    const { key, id } = await newKey(owner.auth);
    await withBearer(key).expect(200);

    const stranger = await loggedIn('stranger');
    const theirs = await newKey(stranger.auth);
    await withHeader(theirs.key).expect(200);
    await http().delete(`/auth/api-keys/${theirs.id}`).set('Authorization', owner.auth).expect(404);
    await withHeader(theirs.key).expect(200);

    await http().delete(`/auth/api-keys/${id}`).set('Authorization', owner.auth).expect(204);
    const after = await withBearer(key);
    expect(after.status).toBe(401);
    expect(after.body).toEqual(INVALID_KEY);
    expect((await withHeader(key)).body).toEqual(after.body);
    await http().delete(`/auth/api-keys/${id}`).set('Authorization', owner.auth).expect(404);
    const unknown = await http()
      .delete('/auth/api-keys/no-such-key')
      .set('Authorization', owner.auth)
      .expect(404);
    expect(unknown.body).toEqual({
      statusCode: 404,
      error: 'not_found',
      message: 'No such API key.',
    });
    expect((await rows().findOneByOrFail({ id })).revokedAt).toBeInstanceOf(Date);
    const list = await http().get('/auth/api-keys').set('Authorization', owner.auth).expect(200);
    expect(list.body).toEqual([]);
    await withHeader(theirs.key).expect(200);
  });

  it('refuses a key after its expiry with token_expired; refuses a past or unparsable expiry', async () => {
    const owner = await loggedIn();
    const expiresAt = new Date(Date.now() + 3000);
    const created = await newKey(owner.auth, {
      label: 'short',
      expires_at: expiresAt.toISOString(),
    });
    expect((created as unknown as { expires_at: string }).expires_at).toBe(expiresAt.toISOString());
    await withBearer(created.key).expect(200);

    const started = Date.now();
    let response = await withBearer(created.key);
    while (response.status === 200 && Date.now() - started < 10_000) {
      await sleep(200);
      response = await withBearer(created.key);
    }
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ ...INVALID_KEY, error: 'token_expired' });
    // Not early (a second of slack for databases that keep whole seconds).
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime() - 1000);

    for (const expires_at of [
      new Date(Date.now() - 60_000).toISOString(),
      'not a date',
      12345,
      { at: 'tomorrow' },
    ]) {
      const refused = await http()
        .post('/auth/api-keys')
        .set('Authorization', owner.auth)
        .send({ label: 'bad expiry', expires_at });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('validation_failed');
      expect(refused.body.details).toEqual([{ field: 'expires_at', message: expect.any(String) }]);
    }
  });

  it('refuses the key of a deactivated owner on the next request', async () => {
    const owner = await loggedIn();
    const { key } = await newKey(owner.auth);
    await withHeader(key).expect(200);
    await app.get<AccountService<User>>(AccountService).deactivate(owner.user);
    const after = await withHeader(key);
    expect(after.status).toBe(401);
    expect(after.body).toEqual(INVALID_KEY);
  });

  it('answers bad create requests with 400 validation_failed, never 500', async () => {
    const owner = await loggedIn();
    const cases: [string, object | unknown[], string][] = [
      ['missing label', {}, 'label'],
      ['empty label', { label: '   ' }, 'label'],
      ['label of 101 characters', { label: 'x'.repeat(101) }, 'label'],
      ['label not a string', { label: 42 }, 'label'],
      ['scopes not an array', { label: 'ci', scopes: 'notes.read' }, 'scopes'],
      ['scopes with a non-codename', { label: 'ci', scopes: ['NOT A CODENAME'] }, 'scopes'],
      ['scopes with a non-string', { label: 'ci', scopes: [42] }, 'scopes'],
      ['an array body', [{ label: 'ci' }], 'body'],
    ];
    for (const [name, body, field] of cases) {
      const response = await http()
        .post('/auth/api-keys')
        .set('Authorization', owner.auth)
        .send(body);
      expect({ name, status: response.status }).toEqual({ name, status: 400 });
      expect(response.body.error).toBe('validation_failed');
      expect(response.body.details).toContainEqual({ field, message: expect.any(String) });
    }
    const label100 = await newKey(owner.auth, { label: 'x'.repeat(100) });
    expect(label100.key).toMatch(KEY_SHAPE);

    const text = await http()
      .post('/auth/api-keys')
      .set('Authorization', owner.auth)
      .set('Content-Type', 'text/plain')
      .send('label=ci');
    expect(text.status).toBe(400);
    expect(text.body.error).toBe('validation_failed');
    // JSON scalars: Express's strict JSON parser answers 400 before the route, Fastify's reach it.
    for (const body of ['"ci"', 'null', '42']) {
      const response = await http()
        .post('/auth/api-keys')
        .set('Authorization', owner.auth)
        .set('Content-Type', 'application/json')
        .send(body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
    const none = await http().post('/auth/api-keys').set('Authorization', owner.auth);
    expect(none.status).toBe(400);
    expect(none.body.error).toBe('validation_failed');
  });

  it('refuses an expiry after 9999-12-31, which not every supported database can store', async () => {
    const owner = await loggedIn();
    // MariaDB's DATETIME ends at 9999-12-31 (it answered 500); SQLite kept year 10000 as year 0000.
    for (const expires_at of ['+010000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']) {
      const response = await http()
        .post('/auth/api-keys')
        .set('Authorization', owner.auth)
        .send({ label: 'far', expires_at });
      expect({ expires_at, status: response.status }).toEqual({ expires_at, status: 400 });
      expect(response.body.error).toBe('validation_failed');
    }
    const latest = await newKey(owner.auth, {
      label: 'latest',
      expires_at: '9999-12-31T23:59:59.000Z',
    });
    await withHeader(latest.key).expect(200);
  });

  it('refuses a label with a NUL character, which PostgreSQL cannot store', async () => {
    const owner = await loggedIn();
    const response = await http()
      .post('/auth/api-keys')
      .set('Authorization', owner.auth)
      .send({ label: 'a\u0000b' });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('validation_failed');
  });

  it('does not let an API key create, list or revoke API keys (403)', async () => {
    const owner = await loggedIn();
    const { key, id } = await newKey(owner.auth);
    const attempts = [
      http().post('/auth/api-keys').set('Authorization', `Bearer ${key}`).send({ label: 'more' }),
      http().get('/auth/api-keys').set('Authorization', `Bearer ${key}`),
      http().post('/auth/api-keys').set('X-API-Key', key).send({ label: 'more' }),
      http().delete(`/auth/api-keys/${id}`).set('Authorization', `Bearer ${key}`),
    ];
    for (const attempt of attempts) {
      const response = await attempt;
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('insufficient_permissions');
      expect(response.text).not.toContain(partsOf(key).secret);
    }
    expect((await rows().findBy({ userId: String(owner.user.id) })).map((row) => row.id)).toEqual([
      id,
    ]);
    await withHeader(key).expect(200);
  });

  it('answers malformed, unknown and wrong keys with the same 401, never 500', async () => {
    const owner = await loggedIn();
    const { key } = await newKey(owner.auth);
    await withBearer(key).expect(200);
    const { id, secret } = partsOf(key);
    const secretStart = 'pcs_'.length + 12 + 1;
    const checksumStart = secretStart + 43;
    const unknownId = withChecksum(`pcs_${'A'.repeat(12)}_${secret}`);
    const wrongSecret = withChecksum(`pcs_${id}_${'B'.repeat(43)}`);
    expect(withChecksum(key.slice(0, checksumStart))).toBe(key);

    const bearer: [string, string][] = [
      ['a changed secret character', changeCharacter(key, secretStart + 5)],
      ['a changed checksum character', changeCharacter(key, checksumStart + 2)],
      ['a changed id character', changeCharacter(key, 'pcs_'.length + 3)],
      ['truncated', key.slice(0, -1)],
      ['extra characters', `${key}abc`],
      ['an unknown id with a good checksum', unknownId],
      ['a wrong secret with a good checksum', wrongSecret],
      ['pcs_ garbage', 'pcs_garbage'],
      ['pcs_ alone', 'pcs_'],
    ];
    const apiKeyHeader: [string, string][] = [
      ['a changed secret character', changeCharacter(key, checksumStart - 1)],
      ['truncated to the id', key.slice(0, secretStart)],
      ['empty', ''],
      ['10 KB', `${key}${'a'.repeat(10 * 1024)}`],
      ['non-ASCII (latin-1)', `${key.slice(0, 20)}é${key.slice(21)}`],
      ['non-ASCII (UTF-8 bytes)', Buffer.from(`pcs_${id}_é`, 'utf8').toString('latin1')],
      ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'],
      ['garbage', 'not a key at all'],
    ];
    const bodies: unknown[] = [];
    for (const [name, candidate] of bearer) {
      const response = await withBearer(candidate);
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
      expect(response.body).toEqual(INVALID_KEY);
      bodies.push(response.body);
    }
    for (const [name, candidate] of apiKeyHeader) {
      const response = await withHeader(candidate);
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
      expect(response.body).toEqual(INVALID_KEY);
      bodies.push(response.body);
    }
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    // The good key still works afterwards.
    await withHeader(key).expect(200);
  });

  it('makes no database query for a bad checksum, and none for a cached key', async () => {
    const owner = await loggedIn();
    const first = await newKey(owner.auth);
    const unused = await newKey(owner.auth);
    const recorder = recordQueries(app.get(DataSource));
    try {
      // The counter sees queries: a fresh key's first use reads the key from the database.
      await withBearer(first.key).expect(200);
      expect(recorder.selects().length).toBeGreaterThan(0);
      expect(recorder.selects().some((call) => call.query.includes('auth_api_keys'))).toBe(true);
      // Wait for the off-path lastUsedAt write, so that it cannot land in what is measured next.
      const started = Date.now();
      while (
        !recorder.calls.some((call) => /^\s*UPDATE\b.*auth_api_keys/is.test(call.query)) &&
        Date.now() - started < 5000
      ) {
        await sleep(20);
      }

      const beforeBadChecksum = recorder.count();
      // A key never used (not cached) whose checksum is off by one character.
      const checksumStart = unused.key.length - 6;
      const bad = changeCharacter(unused.key, checksumStart + 3);
      const refused = await withBearer(bad);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_token');
      const refusedViaHeader = await withHeader(bad);
      expect(refusedViaHeader.status).toBe(401);
      expect(recorder.count()).toBe(beforeBadChecksum);

      const selectsBefore = recorder.selects().length;
      for (let i = 0; i < 3; i++) await withHeader(first.key).expect(200);
      expect(recorder.selects().slice(selectsBefore)).toEqual([]);
    } finally {
      recorder.restore();
    }
  });

  it('writes lastUsedAt on first use and not again on immediate further uses', async () => {
    const owner = await loggedIn();
    const { key, id } = await newKey(owner.auth);
    expect((await rows().findOneByOrFail({ id })).lastUsedAt).toBeNull();
    await withHeader(key).expect(200);
    const started = Date.now();
    let lastUsedAt = (await rows().findOneByOrFail({ id })).lastUsedAt;
    while (lastUsedAt === null && Date.now() - started < 5000) {
      await sleep(50);
      lastUsedAt = (await rows().findOneByOrFail({ id })).lastUsedAt;
    }
    expect(lastUsedAt).toBeInstanceOf(Date);

    for (let i = 0; i < 3; i++) await withBearer(key).expect(200);
    await sleep(300);
    const again = (await rows().findOneByOrFail({ id })).lastUsedAt;
    expect(again?.getTime()).toBe(lastUsedAt!.getTime());
    const list = await http().get('/auth/api-keys').set('Authorization', owner.auth).expect(200);
    expect(list.body[0].last_used_at).toEqual(expect.any(String));
  });

  it('answers a bad key with one Bearer challenge carrying error="invalid_token"', async () => {
    const owner = await loggedIn();
    const { key } = await newKey(owner.auth);
    for (const response of [
      await withBearer(changeCharacter(key, key.length - 1)),
      await withHeader(changeCharacter(key, key.length - 1)),
    ]) {
      expect(response.status).toBe(401);
      const challenge = response.headers['www-authenticate'] as string;
      expect(challenge.match(/Bearer /g)).toHaveLength(1);
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).toContain('Basic realm="portcullis"');
    }
  });
});

describe('API keys on two instances on one database', () => {
  let first: INestApplication;
  let second: INestApplication;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    database = await createDurableTestDatabase();
    const url = database.url;
    first = await createTestApp([ApiKeyFixtureModule.create(url)], 'express');
    second = await createTestApp([ApiKeyFixtureModule.create(url)], 'fastify');
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  it('a key revoked through one is refused by the other after its next sync', async () => {
    await first
      .get<UserService<User>>(UserService)
      .createUser({ username: 'shared', password: PASSWORD });
    const login = await request(first.getHttpServer())
      .post('/auth/login')
      .send({ username: 'shared', password: PASSWORD })
      .expect(200);
    const auth = `Bearer ${login.body.access_token as string}`;
    const created = await request(first.getHttpServer())
      .post('/auth/api-keys')
      .set('Authorization', auth)
      .send({ label: 'shared' })
      .expect(201);
    const key = created.body.key as string;
    const onSecond = () => request(second.getHttpServer()).get('/whoami').set('X-API-Key', key);
    // Twice, so that the second instance has the key in its cache.
    await onSecond().expect(200);
    await onSecond().expect(200);

    await request(first.getHttpServer())
      .delete(`/auth/api-keys/${created.body.id as string}`)
      .set('Authorization', auth)
      .expect(204);
    await request(first.getHttpServer()).get('/whoami').set('X-API-Key', key).expect(401);

    const started = Date.now();
    let response = await onSecond();
    while (response.status === 200 && Date.now() - started < 5000) {
      await sleep(50);
      response = await onSecond();
    }
    // Eventually, not within a timed bound: the sync interval is 200 ms, but these machines are shared.
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_token');
  });
});
