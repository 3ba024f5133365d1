// A structural type: an app that never uses Redis needs neither ioredis nor its types.
import type { RedisClient as Redis } from '../redis/redis-client.js';
import { assertThrottleWindow, ThrottleStore, type ThrottleCount } from './throttle-store.js';

/** Options of a {@link RedisThrottleStore}. */
export interface RedisThrottleStoreOptions {
  /**
   * Put before every key, so throttle counters cannot collide with the app's other Redis keys. Added
   * after the client's own `keyPrefix`, if it has one.
   *
   * @default 'portcullis:throttle:'
   */
  keyPrefix?: string;
}

// One round-trip, atomic: count, give a key with no expiry (new, or one that somehow lost it) the
// window, report count and time left. A running window keeps its end.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

// DECR keeps the key's expiry; a missing key stays missing and a count of 0 stays 0.
const DECREMENT_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]))
if count and count > 0 then
  redis.call('DECR', KEYS[1])
end
return 0
`;

const PEEK_SCRIPT = `
local count = redis.call('GET', KEYS[1])
if not count then
  return false
end
return {tonumber(count), redis.call('PTTL', KEYS[1])}
`;

// Namespaced, because defineCommand adds these methods to the app's own client.
const HIT_COMMAND = 'portcullisThrottleHit';
const DECREMENT_COMMAND = 'portcullisThrottleDecrement';
const PEEK_COMMAND = 'portcullisThrottlePeek';

interface ThrottleCommands {
  [HIT_COMMAND](key: string, windowMs: number): Promise<[number, number]>;
  [DECREMENT_COMMAND](key: string): Promise<number>;
  [PEEK_COMMAND](key: string): Promise<[number, number] | null>;
}

/**
 * A {@link ThrottleStore} in Redis, so every instance of the app shares one budget per key. Each hit is
 * one Lua script (INCR, PEXPIRE when the key has no expiry, PTTL): atomic, one round-trip. Windows are
 * timed by the Redis server's clock through PEXPIRE, so there is no {@link Clock} here and the app
 * servers' clocks do not matter.
 *
 * Give it an ioredis 5 client of your own (ioredis is an optional peer dependency of Portcullis). It
 * defines three commands on that client, named `portcullisThrottle*`, and never closes it.
 *
 * Redis errors are not caught: when Redis cannot be reached every method rejects, and the login throttle
 * answers 503 rather than letting attempts through uncounted. How soon that happens is the client's
 * choice: with ioredis' defaults a command waits in the offline queue through up to 20 reconnection
 * attempts, so consider `enableOfflineQueue: false` or a `commandTimeout`, and with a
 * `commandTimeout` also `autoResendUnfulfilledCommands: false`, or hits that timed out are replayed
 * when Redis is back and count those attempts twice.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 *
 * const redis = new Redis(process.env.REDIS_URL!, {
 *   commandTimeout: 1_000,
 *   autoResendUnfulfilledCommands: false,
 * });
 * AuthModule.forRoot({ throttle: { store: new RedisThrottleStore(redis) } });
 * ```
 */
export class RedisThrottleStore extends ThrottleStore {
  private readonly redis: Redis & ThrottleCommands;
  private readonly keyPrefix: string;

  constructor(client: Redis, options: RedisThrottleStoreOptions = {}) {
    super();
    this.keyPrefix = options.keyPrefix ?? 'portcullis:throttle:';
    // ioredis sends EVALSHA and falls back to EVAL once when Redis does not know the script yet.
    client.defineCommand(HIT_COMMAND, { numberOfKeys: 1, lua: HIT_SCRIPT });
    client.defineCommand(DECREMENT_COMMAND, { numberOfKeys: 1, lua: DECREMENT_SCRIPT });
    client.defineCommand(PEEK_COMMAND, { numberOfKeys: 1, lua: PEEK_SCRIPT, readOnly: true });
    this.redis = client as Redis & ThrottleCommands;
  }

  async hit(key: string, windowMs: number): Promise<ThrottleCount> {
    assertThrottleWindow(windowMs);
    const [count, ttl] = await this.redis[HIT_COMMAND](this.keyPrefix + key, windowMs);
    return { count, resetInMs: Math.max(ttl, 0) };
  }

  async decrement(key: string): Promise<void> {
    await this.redis[DECREMENT_COMMAND](this.keyPrefix + key);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.keyPrefix + key);
  }

  /**
   * {@link ThrottleStore.peek}. A key that lost its expiry (written by something else) reports
   * `resetInMs: 0` until its next hit gives it a window again.
   */
  async peek(key: string): Promise<ThrottleCount | null> {
    const found = await this.redis[PEEK_COMMAND](this.keyPrefix + key);
    return found ? { count: found[0], resetInMs: Math.max(found[1], 0) } : null;
  }
}
