/** What a {@link ThrottleStore} knows about one key's current window. */
export interface ThrottleCount {
  /** Hits counted in the current window, this one included for `hit()`. */
  count: number;
  /**
   * Milliseconds until the window ends and the count starts over (for a `Retry-After` header). Never
   * negative; it can be 0 in the last instant of a window.
   */
  resetInMs: number;
}

/**
 * Where the login throttle keeps its counters: one number per key (such as `login:addr:203.0.113.7`)
 * counted in FIXED windows.
 *
 * - The first hit of a key (or the first after its window ended) starts a window of `windowMs` and
 *   counts 1.
 * - Later hits in that window add one and leave the window's end where it is: a client that keeps
 *   trying does not push its own reset further away, and the budget is `limit` per window, not per
 *   sliding interval (a burst straddling a window edge can get up to twice the limit through).
 * - When the window ends the key is gone, and the next hit starts over.
 *
 * Every operation is atomic per key: concurrent hits, from one process or (with a shared store such as
 * {@link RedisThrottleStore}) from many, are each counted exactly once. A store that cannot answer must
 * reject instead of reporting a count, so throttling fails closed rather than silently switching off.
 *
 * Portcullis ships {@link MemoryThrottleStore} (one process, the default) and {@link RedisThrottleStore}
 * (shared); the app picks one with `AuthModule.forRoot({ throttle: { store } })`. It is an abstract
 * class, used directly as the Nest injection token: subclass it to keep counters elsewhere.
 *
 * @example
 * ```ts
 * // Several instances of the app share one budget through Redis:
 * AuthModule.forRoot({ throttle: { store: new RedisThrottleStore(new Redis(process.env.REDIS_URL!)) } });
 *
 * // How the login throttle uses it:
 * const { count, resetInMs } = await store.hit(`login:addr:${ip}`, 15 * 60_000);
 * if (count > 10) {
 *   // refuse, with `Retry-After: ${Math.ceil(resetInMs / 1000)}`
 * }
 * ```
 */
export abstract class ThrottleStore {
  /**
   * Counts one hit of `key` and reports the count in the current window, this hit included.
   *
   * @param key - What is being counted, e.g. `login:handle:alice`.
   * @param windowMs - The window's length in milliseconds (a positive integer). It only applies when
   *   this hit starts a new window; an existing window keeps its end.
   */
  abstract hit(key: string, windowMs: number): Promise<ThrottleCount>;

  /**
   * Takes one hit back, e.g. so a successful login does not count against its address. Never goes
   * below zero, leaves the window's end as it is, and does nothing when the key has no window running.
   */
  abstract decrement(key: string): Promise<void>;

  /** Forgets `key`: its next hit starts a new window with a count of 1. */
  abstract reset(key: string): Promise<void>;

  /**
   * The current window of `key` without counting a hit, or `null` when none is running (never hit,
   * expired or reset).
   */
  abstract peek(key: string): Promise<ThrottleCount | null>;
}

/** Rejects a window length a store cannot honour (Redis `PEXPIRE` takes whole positive milliseconds). */
export function assertThrottleWindow(windowMs: number): void {
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw new RangeError(
      `windowMs must be a positive whole number of milliseconds, got ${windowMs}`,
    );
  }
}
