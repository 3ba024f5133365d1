import type { INestApplication } from '@nestjs/common';
import mysql from 'mysql2/promise';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { type AdapterName, createTestApp, TEST_JWT_SECRET } from '../support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  type TestDatabaseKind,
} from '../support/test-database.js';
import { type CutMode, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const PASSWORD = 'correct horse battery staple';
/** DATABASE_TIMEOUT_MS of the apps under test. */
const TIMEOUT_MS = 1000;
/** The longest any request may take during an outage: the timeout, plus room for a loaded machine. */
const REQUEST_BOUND_MS = TIMEOUT_MS + 1500;
/** revocationSyncInterval: reads every 200 ms, so the registry's bound is its 10 s floor. */
const SYNC_MS = 200;
const STALENESS_BOUND_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rows of every table the app writes, read around the proxy, straight from the server. */
type Counts = Record<string, number>;

interface DirectConnection {
  counts(): Promise<Counts>;
  scalar(sql: string): Promise<number>;
  close(): Promise<void>;
}

const TABLES = [
  'users',
  'auth_sessions',
  'auth_refresh_tokens',
  'auth_api_keys',
  'auth_user_groups',
  'notes',
];

async function directConnection(kind: TestDatabaseKind, url: string): Promise<DirectConnection> {
  let scalar: (sql: string) => Promise<number>;
  let close: () => Promise<void>;
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    scalar = async (sql) => Number(Object.values((await client.query(sql)).rows[0])[0]);
    close = () => client.end();
  } else {
    const connection = await mysql.createConnection(url);
    scalar = async (sql) => {
      const [rows] = await connection.query(sql.replaceAll('"', '`'));
      return Number(Object.values((rows as Array<Record<string, unknown>>)[0])[0]);
    };
    close = () => connection.end();
  }
  return {
    scalar,
    close,
    async counts() {
      const counts: Counts = {};
      for (const table of TABLES) counts[table] = await scalar(`SELECT COUNT(*) FROM ${table}`);
      // Half-written rows: a session without a refresh token, a refresh token without its session,
      // a consumed token whose successor was never written.
      counts.sessionsWithoutToken = await scalar(
        'SELECT COUNT(*) FROM auth_sessions s WHERE NOT EXISTS (SELECT 1 FROM auth_refresh_tokens r WHERE r."sessionId" = s.id)',
      );
      counts.orphanTokens = await scalar(
        'SELECT COUNT(*) FROM auth_refresh_tokens r WHERE NOT EXISTS (SELECT 1 FROM auth_sessions s WHERE s.id = r."sessionId")',
      );
      counts.missingSuccessors = await scalar(
        'SELECT COUNT(*) FROM auth_refresh_tokens r WHERE r."successorId" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM auth_refresh_tokens n WHERE n.id = r."successorId")',
      );
      return counts;
    },
  };
}

function throughProxy(url: string, proxy: TcpProxy): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
}

interface Timed {
  status: number;
  body: Record<string, unknown>;
  text: string;
  ms: number;
}

const KINDS: TestDatabaseKind[] = ['postgres', 'mariadb'];
const MODES: CutMode[] = ['refuse', 'blackhole', 'hang'];

describe.each(KINDS)('the example app when %s becomes unreachable', (kind) => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let direct: DirectConnection;
  const apps = new Map<AdapterName, INestApplication>();
  let counter = 0;
  /** Measurements for the report, printed at the end. */
  const measured: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const target = new URL(database.url);
    proxy = await startTcpProxy(
      target.hostname,
      Number(target.port || (kind === 'postgres' ? 5432 : 3306)),
    );
    const settings = {
      databaseUrl: throughProxy(database.url, proxy),
      jwtSecret: TEST_JWT_SECRET,
      databaseTimeoutMs: TIMEOUT_MS,
      revocationSyncInterval: SYNC_MS,
    };
    // One after the other: the first runs the migrations.
    for (const adapter of ['express', 'fastify'] as const) {
      apps.set(adapter, await createTestApp([AppModule.forRoot(settings)], adapter));
    }
    direct = await directConnection(kind, database.url);
  }, 120_000);

  afterAll(async () => {
    await proxy?.restore();
    for (const app of apps.values()) await app.close();
    await direct?.close();
    await proxy?.close();
    await database?.drop();
    if (measured.length) console.log(`[${kind}] ${measured.join('; ')}`);
  });

  async function send(
    adapter: AdapterName,
    method: 'get' | 'post',
    path: string,
    options: { token?: string; body?: object } = {},
  ): Promise<Timed> {
    const started = performance.now();
    let call = request(apps.get(adapter)!.getHttpServer())[method](path);
    if (options.token) call = call.set('Authorization', `Bearer ${options.token}`);
    const response = await (options.body ? call.send(options.body) : call);
    return {
      status: response.status,
      body: response.body as Record<string, unknown>,
      text: response.text,
      ms: performance.now() - started,
    };
  }

  /** A new account with a session, a note and an API key: rows that must survive every fault. */
  async function account(adapter: AdapterName) {
    const username = `${kind}-user-${++counter}`;
    const registered = await send(adapter, 'post', '/auth/register', {
      body: { username, password: PASSWORD },
    });
    expect(registered.status, registered.text).toBe(201);
    const login = await send(adapter, 'post', '/auth/login', {
      body: { username, password: PASSWORD },
    });
    expect(login.status, login.text).toBe(200);
    const token = login.body.access_token as string;
    const note = await send(adapter, 'post', '/notes', {
      token,
      body: { title: 'before the fault', body: username },
    });
    expect(note.status, note.text).toBe(201);
    const key = await send(adapter, 'post', '/auth/api-keys', { token, body: { label: 'ci' } });
    expect(key.status, key.text).toBe(201);
    // Warm the caches the way a client in use would.
    expect((await send(adapter, 'get', '/notes', { token })).status).toBe(200);
    return {
      username,
      token,
      refreshToken: login.body.refresh_token as string,
      apiKey: key.body.key as string,
    };
  }

  function expectUnavailable(answer: Timed, what: string): void {
    expect(answer.status, `${what}: ${answer.text}`).toBe(503);
    expect(answer.body).toEqual({
      statusCode: 503,
      error: 'service_unavailable',
      message: expect.any(String),
    });
    expect(answer.text).not.toMatch(/stack|at .*\.js|ECONN|timeout|terminated|QueryFailed/i);
    expect(answer.ms, `${what} took ${Math.round(answer.ms)} ms`).toBeLessThan(REQUEST_BOUND_MS);
  }

  /** Polls until the request answers 200 (503 meanwhile); how long that took, in ms. */
  async function waitFor200(request: () => Promise<Timed>): Promise<number> {
    const started = performance.now();
    for (;;) {
      const answer = await request();
      if (answer.status === 200) return performance.now() - started;
      expect(answer.status, answer.text).toBe(503);
      expect(performance.now() - started, 'recovery').toBeLessThan(15_000);
      await sleep(50);
    }
  }

  const waitForLogin = (adapter: AdapterName, username: string) =>
    waitFor200(() =>
      send(adapter, 'post', '/auth/login', { body: { username, password: PASSWORD } }),
    );
  const waitForMe = (adapter: AdapterName, token: string) =>
    waitFor200(() => send(adapter, 'get', '/auth/me', { token }));

  it.each(MODES)(
    'cut (%s): logins, registrations, refreshes and database-backed routes answer 503 in time, and work again after',
    async (mode) => {
      const users = { express: await account('express'), fastify: await account('fastify') };
      const before = await direct.counts();
      expect(before).toMatchObject({
        sessionsWithoutToken: 0,
        orphanTokens: 0,
        missingSuccessors: 0,
      });

      await proxy.cut(mode);
      const times: number[] = [];
      for (const adapter of ['express', 'fastify'] as const) {
        const user = users[adapter];
        const answers: Array<[string, Timed]> = [
          [
            'login',
            await send(adapter, 'post', '/auth/login', {
              body: { username: user.username, password: PASSWORD },
            }),
          ],
          [
            'register',
            await send(adapter, 'post', '/auth/register', {
              body: { username: `${kind}-${mode}-${adapter}-never`, password: PASSWORD },
            }),
          ],
          [
            'refresh',
            await send(adapter, 'post', '/auth/refresh', {
              body: { refresh_token: user.refreshToken },
            }),
          ],
          ['notes list', await send(adapter, 'get', '/notes', { token: user.token })],
          [
            'note create',
            await send(adapter, 'post', '/notes', {
              token: user.token,
              body: { title: 'during the fault', body: '' },
            }),
          ],
          ['sessions list', await send(adapter, 'get', '/auth/sessions', { token: user.token })],
          ['api keys list', await send(adapter, 'get', '/auth/api-keys', { token: user.token })],
        ];
        for (const [what, answer] of answers) {
          expectUnavailable(answer, `${adapter} ${what}`);
          times.push(answer.ms);
          if (adapter === 'express') measured.push(`${mode} ${what} ${Math.round(answer.ms)} ms`);
        }
        // The caches may vouch for a token and a key they verified, for a while (below).
        for (const credential of [user.token, user.apiKey]) {
          const me = await send(adapter, 'get', '/auth/me', { token: credential });
          expect([200, 503], me.text).toContain(me.status);
          expect(me.ms).toBeLessThan(REQUEST_BOUND_MS);
        }
      }
      measured.push(
        `${mode}: 503 in ${Math.round(Math.min(...times))}-${Math.round(Math.max(...times))} ms`,
      );

      const restored = performance.now();
      await proxy.restore();
      // Nothing the failed requests tried was written, nothing from before was lost.
      expect(await direct.counts()).toEqual(before);
      const recovery = await waitForLogin('express', users.express.username);
      measured.push(`${mode}: first login 200 after ${Math.round(recovery)} ms`);
      const tokenRecovery = await waitForMe('express', users.express.token);
      measured.push(`${mode}: cached token 200 again after ${Math.round(tokenRecovery)} ms more`);
      await waitForLogin('fastify', users.fastify.username);
      await waitForMe('fastify', users.fastify.token);
      for (const adapter of ['express', 'fastify'] as const) {
        const user = users[adapter];
        expect((await send(adapter, 'get', '/auth/me', { token: user.apiKey })).status).toBe(200);
        const notes = await send(adapter, 'get', '/notes', { token: user.token });
        expect(notes.status, notes.text).toBe(200);
        expect(notes.body).toEqual([expect.objectContaining({ title: 'before the fault' })]);
        const refreshed = await send(adapter, 'post', '/auth/refresh', {
          body: { refresh_token: user.refreshToken },
        });
        expect(refreshed.status, refreshed.text).toBe(200);
        // The registration refused during the fault left no account behind.
        const again = await send(adapter, 'post', '/auth/register', {
          body: { username: `${kind}-${mode}-${adapter}-never`, password: PASSWORD },
        });
        expect(again.status, again.text).toBe(201);
      }
      measured.push(
        `${mode}: all routes back ${Math.round(performance.now() - restored)} ms after restore`,
      );
      expect(await direct.counts()).toMatchObject({
        sessionsWithoutToken: 0,
        orphanTokens: 0,
        missingSuccessors: 0,
      });
    },
  );

  it('a token the caches vouched for is refused with 503 once the revocation reads are stale', async () => {
    const user = await account('express');
    await proxy.cut('refuse');
    const cut = performance.now();
    let firstRefusal: number | undefined;
    try {
      while (performance.now() - cut < STALENESS_BOUND_MS + 3000) {
        const [jwt, key] = await Promise.all([
          send('express', 'get', '/auth/me', { token: user.token }),
          send('express', 'get', '/auth/me', { token: user.apiKey }),
        ]);
        for (const answer of [jwt, key]) {
          expect([200, 503], answer.text).toContain(answer.status);
          expect(answer.ms).toBeLessThan(REQUEST_BOUND_MS);
          // Once refused, refused: no flapping back to 200 while the database is away.
          if (firstRefusal !== undefined) expect(answer.status).toBe(503);
        }
        if (jwt.status === 503 && key.status === 503) firstRefusal ??= performance.now() - cut;
        if (firstRefusal !== undefined && performance.now() - cut > firstRefusal + 1000) break;
        await sleep(250);
      }
    } finally {
      await proxy.restore();
    }
    expect(firstRefusal, 'the caches kept vouching past the bound').toBeDefined();
    // The last good read was at most one interval before the cut.
    expect(firstRefusal!).toBeLessThan(STALENESS_BOUND_MS + 1000);
    measured.push(`cached token and key refused after ${Math.round(firstRefusal!)} ms`);
    await waitForLogin('express', user.username);
    await waitForMe('express', user.token);
  });

  it('logins and refreshes cut half-way leave no half-written session', async () => {
    const users = [await account('express'), await account('express'), await account('express')];
    const before = await direct.counts();
    const inFlight: Array<Promise<Timed>> = [];
    for (let round = 0; round < 4; round++) {
      for (const user of users) {
        inFlight.push(
          send('express', 'post', '/auth/login', {
            body: { username: user.username, password: PASSWORD },
          }),
        );
      }
    }
    // Cut as the first login completes: the others are somewhere between their reads and writes.
    await Promise.race(inFlight);
    await proxy.cut('refuse');
    const answers = await Promise.all(inFlight);
    await proxy.restore();
    for (const answer of answers) {
      expect([200, 503], answer.text).toContain(answer.status);
      expect(answer.ms).toBeLessThan(REQUEST_BOUND_MS + 1000);
    }
    await waitForLogin('express', users[0].username);
    await waitForMe('express', users[0].token);
    const after = await direct.counts();
    const succeeded = answers.filter((answer) => answer.status === 200).length;
    measured.push(`half-way cut: ${succeeded}/${answers.length} logins completed`);
    // Every login that answered 200 has its session and token. One whose commit went through just
    // as the connection dropped may have answered 503 with both written, but never with one of them.
    const newSessions = after.auth_sessions - before.auth_sessions;
    expect(newSessions).toBeGreaterThanOrEqual(succeeded + 1);
    expect(after.auth_refresh_tokens - before.auth_refresh_tokens).toBe(newSessions);
    expect(after).toMatchObject({ sessionsWithoutToken: 0, orphanTokens: 0, missingSuccessors: 0 });
    for (const table of ['users', 'auth_api_keys', 'notes'])
      expect(after[table]).toBe(before[table]);
  });
});
