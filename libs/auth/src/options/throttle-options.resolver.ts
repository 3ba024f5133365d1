import type { AuthModuleOptions } from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';
import { positiveInteger } from './option-checks.js';
import type { ThrottleOptions } from './throttle.options.js';
import type { ThrottleStore } from '../throttle/throttle-store.js';

/** A throttle budget with defaults applied. Internal. */
export interface ResolvedThrottleLimit {
  limit: number;
  windowMs: number;
}

/**
 * The throttling section of the resolved options: the budgets, their store, and how far
 * `X-Forwarded-For` is believed when reading the client address they count. Internal.
 */
export interface ResolvedThrottleOptions {
  throttle: {
    loginPerHandle: ResolvedThrottleLimit | null;
    loginPerAddress: ResolvedThrottleLimit | null;
    registrationPerAddress: ResolvedThrottleLimit | null;
    mailPerAddress: ResolvedThrottleLimit | null;
    mailPerEmail: ResolvedThrottleLimit | null;
    oneTimeTokenPerAddress: ResolvedThrottleLimit | null;
    /** The store given in options; the module falls back to memory without one. */
    store: ThrottleStore | undefined;
  };
  /** Proxies in front of the app whose `X-Forwarded-For` entries are believed (0: none). */
  trustProxy: number;
}

/** Applies defaults to the throttle options; what is wrong goes to `problems`. */
export function resolveThrottleOptions(
  problems: string[],
  input: AuthModuleOptions,
): ResolvedThrottleOptions {
  return {
    throttle: throttleSettings(problems, input.throttle),
    trustProxy: trustProxy(problems, input.trustProxy),
  };
}

function throttleSettings(
  problems: string[],
  input: ThrottleOptions | false | undefined,
): ResolvedThrottleOptions['throttle'] {
  const options = input === false ? undefined : (input ?? {});
  const budget = (name: keyof typeof AUTH_DEFAULTS.throttle): ResolvedThrottleLimit | null => {
    const given = options === undefined ? false : options[name];
    if (given === false) return null;
    const fallback = AUTH_DEFAULTS.throttle[name];
    if (given !== undefined && (typeof given !== 'object' || given === null)) {
      problems.push(`throttle.${name} must be { limit, window } or false.`);
    }
    const limit = typeof given === 'object' && given !== null ? given : fallback;
    return {
      limit: positiveInteger(problems, `throttle.${name}.limit`, limit.limit, fallback.limit),
      windowMs:
        1000 * positiveInteger(problems, `throttle.${name}.window`, limit.window, fallback.window),
    };
  };
  const store = options?.store;
  if (store !== undefined && (typeof store !== 'object' || typeof store.hit !== 'function')) {
    problems.push('throttle.store must be a ThrottleStore (e.g. new RedisThrottleStore(redis)).');
  }
  return {
    loginPerHandle: budget('loginPerHandle'),
    loginPerAddress: budget('loginPerAddress'),
    registrationPerAddress: budget('registrationPerAddress'),
    mailPerAddress: budget('mailPerAddress'),
    mailPerEmail: budget('mailPerEmail'),
    oneTimeTokenPerAddress: budget('oneTimeTokenPerAddress'),
    store,
  };
}

function trustProxy(problems: string[], given: boolean | number | undefined): number {
  const input = given === undefined ? AUTH_DEFAULTS.trustProxy : given;
  if (input === false) return 0;
  if (input === true) return 1;
  if (!Number.isInteger(input) || input < 0) {
    problems.push('trustProxy must be true, false or the number of proxies (an integer >= 0).');
    return 0;
  }
  return input;
}
