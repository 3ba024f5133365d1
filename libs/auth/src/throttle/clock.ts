/**
 * The source of the current time for code that measures time windows, so tests can move time forward
 * without sleeping. It is an abstract class so it can be used directly as a Nest injection token.
 *
 * @example
 * ```ts
 * class FakeClock extends Clock {
 *   time = Date.UTC(2026, 0, 1);
 *   now(): number {
 *     return this.time;
 *   }
 * }
 * const clock = new FakeClock();
 * const store = new MemoryThrottleStore(clock);
 * clock.time += 60_000; // a minute passes, at once
 * ```
 */
export abstract class Clock {
  /** Milliseconds since the Unix epoch, like `Date.now()`. */
  abstract now(): number;
}

/** The real time: `Date.now()`. The default {@link Clock}. */
export class SystemClock extends Clock {
  /** `Date.now()`. */
  now(): number {
    return Date.now();
  }
}
