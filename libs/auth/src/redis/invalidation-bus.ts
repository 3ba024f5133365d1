import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { RedisClient as Redis } from './redis-client.js';
import { AuthRedis } from './auth-redis.js';

/** What an invalidation names: ended sessions, revoked API keys, or changed users. */
export type InvalidationKind = 'session' | 'api-key' | 'user';

interface InvalidationMessage {
  origin: string;
  kind: InvalidationKind;
  ids: string[];
}

type Handler = (ids: string[]) => void;

const KINDS: readonly InvalidationKind[] = ['session', 'api-key', 'user'];

/**
 * Tells the app's other processes, through Redis pub/sub, what this one has just revoked or changed,
 * so they stop trusting it within milliseconds instead of at their next database read.
 *
 * Pub/sub is the fast path, not the only one: a message lost while Redis is down is covered by the
 * periodic database read of recent revocations (`revocationSyncInterval`), and a subscriber that
 * reconnects triggers that read at once. Without `redis`, publishing does nothing.
 */
@Injectable()
export class InvalidationBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Portcullis');
  private readonly origin = randomUUID();
  private readonly handlers = new Map<InvalidationKind, Handler[]>();
  private readonly resyncHandlers: Array<() => void> = [];
  private subscriber?: Redis;
  private readonly channel: string;

  constructor(private readonly redis: AuthRedis) {
    this.channel = `${redis.client?.options.keyPrefix ?? ''}portcullis:invalidations`;
  }

  /** True when there is Redis to publish to. */
  get enabled(): boolean {
    return this.redis.client !== undefined;
  }

  onModuleInit(): void {
    const client = this.redis.client;
    if (!client) return;
    // Queued while disconnected: the subscription is made whenever Redis is there, and never holds
    // up the boot or a request.
    const subscriber = client.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) this.receive(payload);
    });
    let connectedBefore = false;
    subscriber.on('ready', () => {
      // Messages sent while this subscriber was away are lost: catch up from the database.
      if (connectedBefore) for (const resync of this.resyncHandlers) resync();
      connectedBefore = true;
    });
    subscriber.subscribe(this.channel).catch((error: Error) => {
      this.logger.warn(
        `Cannot subscribe to revocations in Redis (${error.message}); other processes' revocations arrive through the database.`,
      );
    });
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  /** Runs `handler` with the ids another process publishes for `kind`. */
  on(kind: InvalidationKind, handler: Handler): void {
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), handler]);
  }

  /** Runs `handler` when messages may have been missed (the subscriber reconnected). */
  onResync(handler: () => void): void {
    this.resyncHandlers.push(handler);
  }

  /** Tells the other processes; a failure is logged, never thrown (the database read covers it). */
  publish(kind: InvalidationKind, ids: readonly string[]): void {
    const client = this.redis.client;
    if (!client || ids.length === 0) return;
    const message: InvalidationMessage = { origin: this.origin, kind, ids: [...ids] };
    client.publish(this.channel, JSON.stringify(message)).catch((error: Error) => {
      this.logger.warn(`Could not publish a revocation to Redis: ${error.message}`);
    });
  }

  private receive(payload: string): void {
    let message: Partial<InvalidationMessage>;
    try {
      message = JSON.parse(payload) as Partial<InvalidationMessage>;
    } catch {
      return;
    }
    if (message.origin === this.origin || !KINDS.includes(message.kind as InvalidationKind)) return;
    const ids = Array.isArray(message.ids)
      ? message.ids.filter((id): id is string => typeof id === 'string')
      : [];
    for (const handler of this.handlers.get(message.kind as InvalidationKind) ?? []) handler(ids);
  }
}
