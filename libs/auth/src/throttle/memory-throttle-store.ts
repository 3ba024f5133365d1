import { Clock, SystemClock } from './clock.js';
import { assertThrottleWindow, ThrottleStore, type ThrottleCount } from './throttle-store.js';

/** Limits of a {@link MemoryThrottleStore}. */
export interface MemoryThrottleStoreOptions {
  /**
   * The most keys held at once. When a new key arrives and the store is full, the key hit least
   * recently is dropped (expired keys go first, at the next sweep).
   *
   * @default 100_000
   */
  maxKeys?: number;
  /**
   * At most how often, in milliseconds, a hit also sweeps out every expired key (a pass over all keys,
   * so it is rationed; between sweeps an expired key is only ignored, not freed).
   *
   * @default 1_000
   */
  sweepIntervalMs?: number;
}

interface ThrottleWindow {
  count: number;
  resetAt: number;
}

/**
 * A {@link ThrottleStore} in this process's memory: the default, for a single instance. Counters are
 * lost on restart and are not shared between processes; use {@link RedisThrottleStore} when several
 * instances must share one budget.
 *
 * Memory is bounded: at most `maxKeys` keys (about 220 bytes each with the login throttle's keys, so
 * ~22 MB at the default), expired keys are swept out every `sweepIntervalMs` as hits arrive (no timer), and when the
 * store is full the key hit least recently is dropped. Someone filling the store with made-up keys
 * (random handles, many addresses) can therefore only make it forget counters that are not being hit:
 * every hit makes its key the most recent, so the per-address key an attacker is using right now is
 * still counted. Time comes from the injected {@link Clock}.
 *
 * @example
 * ```ts
 * AuthModule.forRoot({
 *   throttle: { store: new MemoryThrottleStore(new SystemClock(), { maxKeys: 50_000 }) },
 * });
 * ```
 */
export class MemoryThrottleStore extends ThrottleStore {
  // A Map rather than lru-cache: lru-cache's TTL cannot do "expired first, then least recent" eviction,
  // and it treats a start time of 0 as "no TTL", which an injected clock may well return.
  // Insertion order is hit order (a hit re-inserts its key), so the first key is the least recent.
  private readonly windows = new Map<string, ThrottleWindow>();
  private readonly maxKeys: number;
  private readonly sweepIntervalMs: number;
  private nextSweepAt: number;

  constructor(
    private readonly clock: Clock = new SystemClock(),
    options: MemoryThrottleStoreOptions = {},
  ) {
    super();
    this.maxKeys = positiveInteger('maxKeys', options.maxKeys ?? 100_000);
    this.sweepIntervalMs = positiveInteger('sweepIntervalMs', options.sweepIntervalMs ?? 1_000);
    this.nextSweepAt = clock.now() + this.sweepIntervalMs;
  }

  /** How many keys are held, counting expired ones that have not been swept out yet. */
  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, windowMs: number): Promise<ThrottleCount> {
    assertThrottleWindow(windowMs);
    const now = this.clock.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    let window = this.current(key, now);
    if (window) {
      window.count += 1;
      this.windows.delete(key);
    } else {
      this.makeRoom();
      window = { count: 1, resetAt: now + windowMs };
    }
    this.windows.set(key, window);
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  async decrement(key: string): Promise<void> {
    const window = this.current(key, this.clock.now());
    if (window && window.count > 0) window.count -= 1;
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  async peek(key: string): Promise<ThrottleCount | null> {
    const now = this.clock.now();
    const window = this.current(key, now);
    return window ? { count: window.count, resetInMs: window.resetAt - now } : null;
  }

  /** The running window of `key`; an ended one is deleted and reported as none. */
  private current(key: string, now: number): ThrottleWindow | undefined {
    const window = this.windows.get(key);
    if (window && now >= window.resetAt) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now >= window.resetAt) this.windows.delete(key);
    }
    this.nextSweepAt = now + this.sweepIntervalMs;
  }

  private makeRoom(): void {
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) return;
      this.windows.delete(key);
    }
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`MemoryThrottleStore: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
