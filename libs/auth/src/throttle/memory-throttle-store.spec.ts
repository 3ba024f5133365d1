import { beforeEach, describe, expect, it } from 'vitest';
import { Clock } from './clock.js';
import { MemoryThrottleStore } from './memory-throttle-store.js';

class FakeClock extends Clock {
  time = Date.UTC(2026, 0, 1);

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }
}

const MINUTE = 60_000;

describe('MemoryThrottleStore', () => {
  let clock: FakeClock;
  let store: MemoryThrottleStore;

  beforeEach(() => {
    clock = new FakeClock();
    store = new MemoryThrottleStore(clock);
  });

  describe('hit', () => {
    it('counts hits per key, each key on its own', async () => {
      expect((await store.hit('login:addr:a', MINUTE)).count).toBe(1);
      expect((await store.hit('login:addr:a', MINUTE)).count).toBe(2);
      expect((await store.hit('login:addr:b', MINUTE)).count).toBe(1);
      expect((await store.hit('login:addr:a', MINUTE)).count).toBe(3);
    });

    it('reports the time left in a fixed window that later hits do not extend', async () => {
      expect(await store.hit('k', MINUTE)).toEqual({ count: 1, resetInMs: MINUTE });
      clock.advance(20_000);
      expect(await store.hit('k', MINUTE)).toEqual({ count: 2, resetInMs: 40_000 });
      // A different windowMs on a running window changes nothing: the first hit fixed its end.
      clock.advance(10_000);
      expect(await store.hit('k', 5 * MINUTE)).toEqual({ count: 3, resetInMs: 30_000 });
    });

    it('starts over with a fresh window once the window has ended', async () => {
      await store.hit('k', MINUTE);
      await store.hit('k', MINUTE);
      clock.advance(MINUTE - 1);
      expect(await store.hit('k', MINUTE)).toEqual({ count: 3, resetInMs: 1 });
      clock.advance(1);
      expect(await store.hit('k', MINUTE)).toEqual({ count: 1, resetInMs: MINUTE });
    });

    it('counts 200 concurrent hits exactly once each', async () => {
      const results = await Promise.all(
        Array.from({ length: 200 }, () => store.hit('login:handle:alice', MINUTE)),
      );
      expect(results.map((result) => result.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, index) => index + 1),
      );
      expect(await store.peek('login:handle:alice')).toEqual({ count: 200, resetInMs: MINUTE });
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
      'rejects a window of %s ms',
      async (windowMs) => {
        await expect(store.hit('k', windowMs)).rejects.toThrow(RangeError);
        expect(store.size).toBe(0);
      },
    );

    it('uses the real time when no clock is given', async () => {
      const result = await new MemoryThrottleStore().hit('k', MINUTE);
      expect(result.count).toBe(1);
      expect(result.resetInMs).toBe(MINUTE);
    });
  });

  describe('peek', () => {
    it('reports the window without counting a hit', async () => {
      expect(await store.peek('k')).toBeNull();
      await store.hit('k', MINUTE);
      clock.advance(1_000);
      expect(await store.peek('k')).toEqual({ count: 1, resetInMs: MINUTE - 1_000 });
      expect(await store.peek('k')).toEqual({ count: 1, resetInMs: MINUTE - 1_000 });
    });

    it('reports nothing once the window has ended', async () => {
      await store.hit('k', MINUTE);
      clock.advance(MINUTE);
      expect(await store.peek('k')).toBeNull();
    });
  });

  describe('decrement', () => {
    it('takes one hit back and keeps the window end', async () => {
      await store.hit('k', MINUTE);
      await store.hit('k', MINUTE);
      clock.advance(15_000);
      await store.decrement('k');
      expect(await store.peek('k')).toEqual({ count: 1, resetInMs: 45_000 });
      expect(await store.hit('k', MINUTE)).toEqual({ count: 2, resetInMs: 45_000 });
    });

    it('never goes below zero', async () => {
      await store.hit('k', MINUTE);
      await store.decrement('k');
      await store.decrement('k');
      await store.decrement('k');
      expect(await store.peek('k')).toEqual({ count: 0, resetInMs: MINUTE });
      expect((await store.hit('k', MINUTE)).count).toBe(1);
    });

    it('does nothing to a key that is not there or whose window has ended', async () => {
      await store.decrement('never-hit');
      expect(await store.peek('never-hit')).toBeNull();
      await store.hit('k', MINUTE);
      clock.advance(MINUTE);
      await store.decrement('k');
      expect(await store.peek('k')).toBeNull();
      expect(await store.hit('k', MINUTE)).toEqual({ count: 1, resetInMs: MINUTE });
    });
  });

  describe('reset', () => {
    it('forgets the key, so the next hit starts a new window', async () => {
      await store.hit('k', MINUTE);
      await store.hit('k', MINUTE);
      clock.advance(30_000);
      await store.reset('k');
      expect(await store.peek('k')).toBeNull();
      expect(await store.hit('k', MINUTE)).toEqual({ count: 1, resetInMs: MINUTE });
      await store.reset('never-hit');
    });
  });

  describe('bounded memory', () => {
    it('drops the key hit least recently when a new key arrives and the store is full', async () => {
      store = new MemoryThrottleStore(clock, { maxKeys: 3 });
      await store.hit('a', MINUTE);
      await store.hit('b', MINUTE);
      await store.hit('c', MINUTE);
      await store.hit('a', MINUTE); // now b is the least recent
      await store.hit('d', MINUTE);
      expect(store.size).toBe(3);
      expect(await store.peek('b')).toBeNull();
      expect(await store.peek('a')).toEqual({ count: 2, resetInMs: MINUTE });
      expect(await store.peek('c')).not.toBeNull();
      expect(await store.peek('d')).not.toBeNull();
    });

    it('keeps counting the key being hit while a flood of new keys churns the rest', async () => {
      store = new MemoryThrottleStore(clock, { maxKeys: 100 });
      for (let attempt = 0; attempt < 10_000; attempt++) {
        await store.hit('login:addr:attacker', MINUTE);
        await store.hit(`login:handle:made-up-${attempt}`, MINUTE);
      }
      expect(store.size).toBe(100);
      expect(await store.peek('login:addr:attacker')).toEqual({ count: 10_000, resetInMs: MINUTE });
    });

    it('sweeps out expired keys at most once per sweep interval, on a hit', async () => {
      store = new MemoryThrottleStore(clock, { sweepIntervalMs: 1_000 });
      for (let index = 0; index < 50; index++) await store.hit(`short-${index}`, 500);
      await store.hit('long', MINUTE);
      clock.advance(600);
      await store.hit('long', MINUTE);
      expect(store.size).toBe(51); // expired, but the sweep is not due yet
      clock.advance(400);
      await store.hit('long', MINUTE);
      expect(store.size).toBe(1);
      expect(await store.peek('long')).toEqual({ count: 3, resetInMs: MINUTE - 1_000 });
    });

    it('frees expired keys before live ones when the sweep is due', async () => {
      store = new MemoryThrottleStore(clock, { maxKeys: 3, sweepIntervalMs: 1_000 });
      await store.hit('live-1', MINUTE); // the least recent
      await store.hit('short', 500);
      await store.hit('live-2', MINUTE);
      clock.advance(1_000);
      await store.hit('new', MINUTE);
      expect(store.size).toBe(3);
      expect(await store.peek('live-1')).toEqual({ count: 1, resetInMs: MINUTE - 1_000 });
      expect(await store.peek('live-2')).not.toBeNull();
      expect(await store.peek('new')).not.toBeNull();
    });

    it.each([
      { maxKeys: 0 },
      { maxKeys: 2.5 },
      { sweepIntervalMs: -1 },
      { sweepIntervalMs: Number.NaN },
    ])('refuses the limits %o', (options) => {
      expect(() => new MemoryThrottleStore(clock, options)).toThrow(RangeError);
    });
  });
});
