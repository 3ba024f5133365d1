import { createRequire } from 'node:module';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
// Types only: ioredis is loaded at run time, and only when Portcullis opens the connection itself.
import type { RedisOptions } from 'ioredis';
import type { RedisClient as Redis } from './redis-client.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedRedisOptions } from '../options/redis-options.resolver.js';
import type { RedisConnectionOptions } from '../auth.options.js';
import { AuthConfigurationError } from '../errors/auth.exception.js';

/**
 * Settings for a connection Portcullis opens itself (`redis` given as a URL): a command waits at most
 * `commandTimeout` and is not queued while disconnected, so a Redis outage answers 503 at once instead
 * of holding requests. A command that timed out is not sent again after a reconnect: its request has
 * already been answered 503, and a replayed throttle hit would count a login attempt twice (a user who
 * retried through a hung Redis would find their budget spent once it is back).
 */
const OWNED_CLIENT_OPTIONS: RedisOptions = {
  commandTimeout: 1000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 2000,
};

/**
 * The Redis connection of the `redis` option, or none. A client given by the app stays the app's; one
 * opened from a URL is closed at shutdown.
 */
@Injectable()
export class AuthRedis implements OnModuleInit, OnApplicationShutdown {
  /** The client, when `redis` is configured. */
  readonly client: Redis | undefined;
  private readonly owned: boolean;
  private readonly logger = new Logger('Portcullis');

  constructor(@Inject(AUTH_RESOLVED_OPTIONS) options: ResolvedRedisOptions) {
    const redis = options.redis;
    this.owned = redis !== undefined && !isClient(redis);
    this.client = redis === undefined || isClient(redis) ? redis : connect(redis);
  }

  /** Waits briefly for a connection opened from a URL; a Redis that is down is reported, not fatal. */
  async onModuleInit(): Promise<void> {
    const client = this.client;
    if (!client || !this.owned || client.status === 'ready') return;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 2000);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready) {
      this.logger.warn('Redis is not reachable yet: logins answer 503 until it is.');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client || !this.owned) return;
    // QUIT lets replies still due arrive first (a command's last revocation message is delivered).
    await this.client.quit().catch(() => this.client?.disconnect());
  }
}

function isClient(redis: Redis | RedisConnectionOptions): redis is Redis {
  return typeof (redis as Redis).defineCommand === 'function';
}

function connect({ url, keyPrefix }: RedisConnectionOptions): Redis {
  let RedisClass: new (url: string, options: RedisOptions) => Redis;
  try {
    const require = createRequire(import.meta.url);
    RedisClass = (require('ioredis') as { Redis: typeof RedisClass }).Redis;
  } catch {
    throw new AuthConfigurationError([
      'redis is a URL but the ioredis package is not installed: npm install ioredis@5',
    ]);
  }
  const client = new RedisClass(url, { ...OWNED_CLIENT_OPTIONS, keyPrefix });
  // Without a listener every failed reconnect would be an unhandled 'error' event.
  client.on('error', () => undefined);
  return client;
}
