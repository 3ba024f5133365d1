import type { RedisClient as Redis } from '../redis/redis-client.js';
import type { AuthModuleOptions } from './auth.options.js';
import type { RedisConnectionOptions } from './redis.options.js';

/** The Redis section of the resolved options. Internal. */
export interface ResolvedRedisOptions {
  /** A client given by the app, or how to connect one. */
  redis: Redis | RedisConnectionOptions | undefined;
}

/** Checks the `redis` option; what is wrong goes to `problems`. */
export function resolveRedisOptions(
  problems: string[],
  input: AuthModuleOptions,
): ResolvedRedisOptions {
  return { redis: redisSetting(problems, input.redis) };
}

function redisSetting(
  problems: string[],
  input: Redis | string | RedisConnectionOptions | undefined,
): Redis | RedisConnectionOptions | undefined {
  const invalid = () => {
    problems.push(
      'redis must be a redis:// or rediss:// URL, { url, keyPrefix } or an ioredis client.',
    );
    return undefined;
  };
  if (input === undefined || input === null || input === '') return undefined;
  const connection = typeof input === 'string' ? { url: input } : input;
  if (typeof connection !== 'object') return invalid();
  if (typeof (connection as Redis).defineCommand === 'function') return connection as Redis;
  const { url, keyPrefix } = connection as RedisConnectionOptions;
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) return invalid();
  if (keyPrefix !== undefined && typeof keyPrefix !== 'string') return invalid();
  return { url, keyPrefix };
}
