import type { ThrottleStore } from '../throttle/throttle-store.js';

/** A budget of attempts in a fixed window. */
export interface ThrottleLimit {
  /** Attempts allowed in one window. */
  limit: number;
  /** The window, in seconds, counted from the first attempt. */
  window: number;
}

/**
 * Login and registration throttling. Attempts past a limit answer 429 `too_many_attempts` with
 * `Retry-After` until the window passes, even with the right password.
 *
 * @example
 * ```ts
 * // Several processes share one budget through Redis:
 * AuthModule.forRoot({ throttle: { store: new RedisThrottleStore(new Redis(process.env.REDIS_URL)) } })
 * ```
 */
export interface ThrottleOptions {
  /**
   * Failed logins per account handle (whether or not an account has it). `false` turns it off.
   * @default { limit: 5, window: 900 }
   */
  loginPerHandle?: ThrottleLimit | false;
  /**
   * Failed logins per client address (IPv6 per /64). `false` turns it off.
   * @default { limit: 50, window: 900 }
   */
  loginPerAddress?: ThrottleLimit | false;
  /**
   * Registrations per client address. `false` turns it off.
   * @default { limit: 20, window: 3600 }
   */
  registrationPerAddress?: ThrottleLimit | false;
  /**
   * Requests that send mail (forgot password, sign-in links, verification resends, changes of
   * email) per client address. `false` turns it off.
   * @default { limit: 20, window: 3600 }
   */
  mailPerAddress?: ThrottleLimit | false;
  /**
   * Requests that send mail, per target address (whether or not an account has it), so nobody can
   * flood one inbox. `false` turns it off.
   * @default { limit: 3, window: 900 }
   */
  mailPerEmail?: ThrottleLimit | false;
  /**
   * Uses of one-time tokens and sign-in codes (reset, verify, confirm, sign in) per client address,
   * right or wrong, so codes cannot be guessed at speed. `false` turns it off.
   * @default { limit: 30, window: 900 }
   */
  oneTimeTokenPerAddress?: ThrottleLimit | false;
  /**
   * Where the counters live. Give a `RedisThrottleStore` when several processes serve the app.
   * @default a MemoryThrottleStore (this process only)
   */
  store?: ThrottleStore;
}
