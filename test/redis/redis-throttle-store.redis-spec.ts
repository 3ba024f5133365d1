import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisThrottleStore } from 'portcullis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The machine's Redis (`.ci/ensure-services` starts it). Every test counts under its own random key
// prefix and deletes what it wrote, so parallel and repeated runs never see each other's counters.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MINUTE = 60_000;

describe('RedisThrottleStore', () => {
  let first: Redis;
  let second: Redis;
  let prefix: string;
  let store: RedisThrottleStore;

  beforeAll(async () => {
    first = new Redis(REDIS_URL);
    second = new Redis(REDIS_URL);
    await Promise.all([first.ping(), second.ping()]);
  });

  afterAll(async () => {
    await Promise.all([first.quit(), second.quit()]);
  });

  beforeEach(() => {
    prefix = `portcullis-test:${randomUUID()}:`;
    store = new RedisThrottleStore(first, { keyPrefix: prefix });
  });

  afterEach(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await first.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await first.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  });

  it('counts 200 concurrent hits from two separate clients exactly once each, in one window', async () => {
    const other = new RedisThrottleStore(second, { keyPrefix: prefix });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        (index % 2 ? other : store).hit('login:addr:203.0.113.7', MINUTE),
      ),
    );
    expect(results.map((result) => result.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, index) => index + 1),
    );
    for (const { resetInMs } of results) {
      expect(resetInMs).toBeGreaterThan(0);
      expect(resetInMs).toBeLessThanOrEqual(MINUTE);
    }
    const ttl = await first.pttl(`${prefix}login:addr:203.0.113.7`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MINUTE);
    expect(await first.get(`${prefix}login:addr:203.0.113.7`)).toBe('200');
  });

  it('keeps the end of a running window: later hits do not extend it', async () => {
    const start = await store.hit('k', MINUTE);
    expect(start).toEqual({ count: 1, resetInMs: MINUTE });
    await first.pexpire(`${prefix}k`, 30_000);
    const later = await store.hit('k', MINUTE);
    expect(later.count).toBe(2);
    expect(later.resetInMs).toBeLessThanOrEqual(30_000);
    expect(later.resetInMs).toBeGreaterThan(25_000);
  });

  it('starts over once the window has ended (the window ended from outside)', async () => {
    await store.hit('k', MINUTE);
    await store.hit('k', MINUTE);
    await first.pexpire(`${prefix}k`, 1);
    await sleep(5);
    expect(await store.peek('k')).toBeNull();
    const next = await store.hit('k', MINUTE);
    expect(next.count).toBe(1);
    expect(next.resetInMs).toBeGreaterThan(MINUTE - 1_000);
  });

  it('starts over once a short window has run out on the server clock', async () => {
    expect((await store.hit('k', 200)).count).toBe(1);
    expect((await store.hit('k', 200)).count).toBe(2);
    await sleep(250);
    expect(await store.hit('k', 200)).toMatchObject({ count: 1 });
  });

  it('decrements without going below zero, keeping the window end', async () => {
    await store.hit('k', MINUTE);
    await store.hit('k', MINUTE);
    await store.decrement('k');
    expect((await store.peek('k'))?.count).toBe(1);
    await store.decrement('k');
    await store.decrement('k');
    await store.decrement('k');
    expect(await first.get(`${prefix}k`)).toBe('0');
    const ttl = await first.pttl(`${prefix}k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MINUTE);
    expect((await store.hit('k', MINUTE)).count).toBe(1);
  });

  it('does not create a key when decrementing one that is not there', async () => {
    await store.decrement('never-hit');
    expect(await first.exists(`${prefix}never-hit`)).toBe(0);
    expect(await store.peek('never-hit')).toBeNull();
  });

  it('gives a key that lost its expiry a window again on its next hit', async () => {
    await store.hit('k', MINUTE);
    await first.persist(`${prefix}k`);
    expect(await first.pttl(`${prefix}k`)).toBe(-1);
    expect(await store.peek('k')).toEqual({ count: 1, resetInMs: 0 });
    const next = await store.hit('k', MINUTE);
    expect(next).toEqual({ count: 2, resetInMs: MINUTE });
    const ttl = await first.pttl(`${prefix}k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MINUTE);
  });

  it('peeks without counting', async () => {
    expect(await store.peek('k')).toBeNull();
    await store.hit('k', MINUTE);
    const seen = await store.peek('k');
    expect(seen?.count).toBe(1);
    expect(seen?.resetInMs).toBeGreaterThan(0);
    expect(seen?.resetInMs).toBeLessThanOrEqual(MINUTE);
    expect((await store.peek('k'))?.count).toBe(1);
  });

  it('reset deletes the key', async () => {
    await store.hit('k', MINUTE);
    await store.reset('k');
    expect(await first.exists(`${prefix}k`)).toBe(0);
    expect((await store.hit('k', MINUTE)).count).toBe(1);
  });

  it("uses 'portcullis:throttle:' as the default key prefix", async () => {
    const key = `test-${randomUUID()}`;
    try {
      await new RedisThrottleStore(first).hit(key, MINUTE);
      expect(await first.get(`portcullis:throttle:${key}`)).toBe('1');
    } finally {
      await first.del(`portcullis:throttle:${key}`);
    }
  });

  it('still works when Redis has forgotten its scripts (EVALSHA falls back to EVAL)', async () => {
    await store.hit('k', MINUTE);
    await first.script('FLUSH');
    expect((await store.hit('k', MINUTE)).count).toBe(2);
    await store.decrement('k');
    expect((await store.peek('k'))?.count).toBe(1);
  });

  it('rejects when Redis answers with an error instead of reporting a count', async () => {
    await first.set(`${prefix}k`, 'not a number');
    await expect(store.hit('k', MINUTE)).rejects.toThrow(/not an integer/);
  });

  it('rejects every operation when Redis cannot be reached, instead of answering', async () => {
    const unreachable = new Redis({
      host: '127.0.0.1',
      port: 1,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    unreachable.on('error', () => undefined);
    try {
      const offline = new RedisThrottleStore(unreachable, { keyPrefix: prefix });
      await expect(offline.hit('k', MINUTE)).rejects.toThrow();
      await expect(offline.peek('k')).rejects.toThrow();
      await expect(offline.decrement('k')).rejects.toThrow();
      await expect(offline.reset('k')).rejects.toThrow();
    } finally {
      unreachable.disconnect();
    }
  });

  it('rejects a window Redis cannot take', async () => {
    await expect(store.hit('k', 1.5)).rejects.toThrow(RangeError);
    await expect(store.hit('k', 0)).rejects.toThrow(RangeError);
    expect(await first.exists(`${prefix}k`)).toBe(0);
  });
});
