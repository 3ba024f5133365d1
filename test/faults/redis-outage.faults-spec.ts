import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { createTestApp, TEST_JWT_SECRET } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { type CutMode, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'correct horse battery staple';
/** Portcullis' own Redis connection waits at most 1 s for a command (auth-redis.ts). */
const REQUEST_BOUND_MS = 1000 + 1500;
/** revocationSyncInterval: the database read that covers revocations Redis could not deliver. */
const SYNC_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two instances of the example app on one PostgreSQL database, both reaching Redis through a proxy
 * the test cuts: throttling must refuse (never skip), and revocations must still arrive.
 */
describe('the example app when Redis becomes unreachable', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let redis: Redis;
  let first: INestApplication;
  let second: INestApplication;
  const keyPrefix = `pcs-faults-${randomBytes(6).toString('hex')}:`;
  const channel = `${keyPrefix}portcullis:invalidations`;
  const measured: string[] = [];
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const target = new URL(REDIS_URL);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    redis = new Redis(REDIS_URL);
    const settings = {
      databaseUrl: database.url,
      jwtSecret: TEST_JWT_SECRET,
      redis: { url: `redis://127.0.0.1:${proxy.port}`, keyPrefix },
      revocationSyncInterval: SYNC_MS,
    };
    first = await createTestApp([AppModule.forRoot(settings)], 'express');
    second = await createTestApp([AppModule.forRoot(settings)], 'fastify');
    for (let tries = 0; (await subscribers()) < 2; tries++) {
      if (tries > 100) throw new Error('the apps did not subscribe to invalidations');
      await sleep(50);
    }
  }, 120_000);

  afterAll(async () => {
    await proxy?.restore();
    await first?.close();
    await second?.close();
    if (redis) {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    await proxy?.close();
    await database?.drop();
    if (measured.length) console.log(`[redis] ${measured.join('; ')}`);
  });

  async function subscribers(): Promise<number> {
    const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
    return Number(count);
  }

  async function send(
    app: INestApplication,
    method: 'get' | 'post',
    path: string,
    options: { token?: string; body?: object } = {},
  ) {
    const started = performance.now();
    let call = request(app.getHttpServer())[method](path);
    if (options.token) call = call.set('Authorization', `Bearer ${options.token}`);
    const response = await (options.body ? call.send(options.body) : call);
    return {
      status: response.status,
      body: response.body as Record<string, unknown>,
      text: response.text,
      ms: performance.now() - started,
    };
  }

  async function user(): Promise<string> {
    const username = `redis-user-${++counter}`;
    const registered = await send(first, 'post', '/auth/register', {
      body: { username, password: PASSWORD },
    });
    expect(registered.status, registered.text).toBe(201);
    return username;
  }

  async function login(app: INestApplication, username: string): Promise<string> {
    const answer = await send(app, 'post', '/auth/login', {
      body: { username, password: PASSWORD },
    });
    expect(answer.status, answer.text).toBe(200);
    return answer.body.access_token as string;
  }

  /** Polls `/auth/me` on `app` until it answers `status`; how long that took, in ms. */
  async function until(app: INestApplication, token: string, status: number, limitMs: number) {
    const started = performance.now();
    for (;;) {
      const me = await send(app, 'get', '/auth/me', { token });
      if (me.status === status) return performance.now() - started;
      expect(performance.now() - started, `still ${me.status}: ${me.text}`).toBeLessThan(limitMs);
      await sleep(20);
    }
  }

  it.each<CutMode>(['refuse', 'blackhole', 'hang'])(
    'cut (%s): logins answer 503 in time instead of going unthrottled, and work again after',
    async (mode) => {
      const username = await user();
      await proxy.cut(mode);
      try {
        for (const app of [first, second]) {
          for (let attempt = 0; attempt < 3; attempt++) {
            const answer = await send(app, 'post', '/auth/login', {
              body: { username, password: PASSWORD },
            });
            expect(answer.status, answer.text).toBe(503);
            expect(answer.body).toEqual({
              statusCode: 503,
              error: 'service_unavailable',
              message: expect.any(String),
            });
            expect(answer.ms).toBeLessThan(REQUEST_BOUND_MS);
            if (app === first && attempt === 0)
              measured.push(`${mode}: login 503 in ${Math.round(answer.ms)} ms`);
          }
        }
      } finally {
        await proxy.restore();
      }
      const restored = performance.now();
      for (;;) {
        const answer = await send(first, 'post', '/auth/login', {
          body: { username, password: PASSWORD },
        });
        if (answer.status === 200) break;
        expect(answer.status, answer.text).toBe(503);
        expect(performance.now() - restored, 'recovery').toBeLessThan(10_000);
        await sleep(50);
      }
      measured.push(
        `${mode}: login 200 ${Math.round(performance.now() - restored)} ms after restore`,
      );
      await login(second, username);
      await expect.poll(() => subscribers(), { timeout: 10_000 }).toBe(2);
    },
  );

  it('refuses revoked tokens while Redis is cut, and delivers revocations through it again after', async () => {
    const username = await user();
    const [revokedHere, revokedThere, kept, afterRestore] = [
      await login(first, username),
      await login(first, username),
      await login(first, username),
      await login(first, username),
    ];
    expect((await send(second, 'get', '/auth/me', { token: revokedThere })).status).toBe(200);
    await proxy.cut('refuse');
    try {
      // Ended on this instance: refused here at once.
      expect((await send(first, 'post', '/auth/logout', { token: revokedHere })).status).toBe(204);
      expect((await send(first, 'get', '/auth/me', { token: revokedHere })).body).toMatchObject({
        error: 'token_revoked',
      });
      // Ended on the other instance: Redis cannot tell this one, the database read does.
      expect((await send(second, 'post', '/auth/logout', { token: revokedThere })).status).toBe(
        204,
      );
      const viaDatabase = await until(first, revokedThere, 401, SYNC_MS + 1500);
      measured.push(
        `revocation from the other instance, Redis cut: refused after ${Math.round(viaDatabase)} ms`,
      );
      // Access tokens do not need Redis.
      expect((await send(first, 'get', '/auth/me', { token: kept })).status).toBe(200);
      expect((await send(second, 'get', '/auth/me', { token: kept })).status).toBe(200);
    } finally {
      await proxy.restore();
    }
    await expect.poll(() => subscribers(), { timeout: 10_000 }).toBe(2);
    expect((await send(first, 'get', '/auth/me', { token: afterRestore })).status).toBe(200);
    expect((await send(second, 'post', '/auth/logout', { token: afterRestore })).status).toBe(204);
    const viaRedis = await until(first, afterRestore, 401, 1000);
    measured.push(
      `revocation from the other instance after restore: refused after ${Math.round(viaRedis)} ms`,
    );
  });
});
