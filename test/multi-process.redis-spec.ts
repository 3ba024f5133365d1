import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  type ExampleProcess,
  startExampleProcess,
} from './support/example-process.js';
import { TEST_JWT_SECRET } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a different horse battery staple';
const ROOT = join(import.meta.dirname, '..');

/**
 * Two instances of the example app on different ports, one PostgreSQL database and one Redis, as a
 * deployment behind a load balancer would run them.
 */
describe('two processes sharing PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let redis: Redis;
  let first: ExampleProcess;
  let second: ExampleProcess;
  const keyPrefix = `pcs-test-${randomBytes(6).toString('hex')}:`;
  let env: Record<string, string>;

  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase('postgres');
    redis = new Redis(REDIS_URL);
    env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      // A minute between database reads of revocations: what reaches the other process in time
      // below came through Redis.
      AUTH_REVOCATION_SYNC_MS: '60000',
    };
    // One after the other: the first runs the migrations, the second finds them done.
    first = await startExampleProcess(env);
    second = await startExampleProcess(env);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    if (redis) {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    await database?.drop();
  });

  async function register(base: string, username: string): Promise<void> {
    const response = await fetch(`${base}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(response.status, first.output()).toBe(201);
  }

  function login(base: string, username: string, password: string): Promise<Response> {
    return fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  }

  /** Polls until `check` is true, for at most `limitMs`; returns the milliseconds it took. */
  async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    for (;;) {
      if (await check()) return Date.now() - started;
      if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  function me(base: string, authorization: string): Promise<Response> {
    return fetch(`${base}/auth/me`, { headers: { authorization } });
  }

  it('accepts a token from one process on the other, and a logout on one is refused by the other within 1 s', async () => {
    await register(first.url, 'alice');
    const issued = await login(first.url, 'alice', PASSWORD);
    expect(issued.status).toBe(200);
    const { access_token: token } = (await issued.json()) as { access_token: string };
    const bearer = `Bearer ${token}`;
    expect((await me(second.url, bearer)).status).toBe(200);
    expect((await me(first.url, bearer)).status).toBe(200);
    const logout = await fetch(`${second.url}/auth/logout`, {
      method: 'POST',
      headers: { authorization: bearer },
    });
    expect(logout.status).toBe(204);
    await within(1000, async () => (await me(first.url, bearer)).status === 401);
    const refused = await me(first.url, bearer);
    expect(((await refused.json()) as { error: string }).error).toBe('token_revoked');
  });

  it('refuses an API key revoked on the other process within 1 s', async () => {
    const issued = await login(first.url, 'alice', PASSWORD);
    const { access_token: token } = (await issued.json()) as { access_token: string };
    const created = await fetch(`${first.url}/auth/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'two-process' }),
    });
    expect(created.status).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: string };
    // Both processes have verified (and cached) the key.
    expect((await me(first.url, `Bearer ${key}`)).status).toBe(200);
    expect((await me(second.url, `Bearer ${key}`)).status).toBe(200);
    const revoked = await fetch(`${second.url}/auth/api-keys/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(revoked.status, second.output()).toBe(204);
    await within(1000, async () => (await me(first.url, `Bearer ${key}`)).status === 401);
  });

  it('refuses, within 1 s, the sessions a changepassword command run elsewhere has ended', async () => {
    const issued = await login(second.url, 'alice', PASSWORD);
    const { access_token: token } = (await issued.json()) as { access_token: string };
    expect((await me(first.url, `Bearer ${token}`)).status).toBe(200);
    const command = spawnSync(
      process.execPath,
      ['dist/cli.js', 'changepassword', '--username', 'alice', '--no-input'],
      {
        cwd: ROOT,
        env: { ...process.env, ...env, PORTCULLIS_PASSWORD: NEW_PASSWORD },
        encoding: 'utf8',
      },
    );
    expect(command.status, command.stderr).toBe(0);
    await within(1000, async () => (await me(first.url, `Bearer ${token}`)).status === 401);
    expect((await me(second.url, `Bearer ${token}`)).status).toBe(401);
    expect((await login(first.url, 'alice', NEW_PASSWORD)).status).toBe(200);
  });

  it('counts 200 concurrent failed logins for one handle, split across both, in one Redis counter', async () => {
    await register(first.url, 'target');
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        login(index % 2 ? second.url : first.url, 'target', `wrong password ${index}`),
      ),
    );
    const statuses = responses.map((response) => response.status);
    // The budget of 5 is shared: only 5 of the 200 reach a password check, on either process.
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(195);
    const keys = await redis.keys(`${keyPrefix}portcullis:throttle:login:handle:*`);
    expect(keys).toHaveLength(1);
    expect(await redis.get(keys[0])).toBe('200');
    const ttl = await redis.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(15 * 60 * 1000);
    // The right password is refused on both processes until the window passes.
    expect((await login(first.url, 'target', PASSWORD)).status).toBe(429);
    expect((await login(second.url, 'target', PASSWORD)).status).toBe(429);
  });
});
