/**
 * The part of an ioredis 5 client Portcullis uses, described here so that its public types compile in
 * an app that has not installed ioredis (an optional peer). An ioredis `Redis` client is assignable to
 * it.
 */
export interface RedisClient {
  /** The connection state, `'ready'` once commands can be sent. */
  readonly status: string;
  /** The options the client was created with; Portcullis reads `keyPrefix`. */
  readonly options: { readonly keyPrefix?: string };
  /** Registers a Lua script as a custom command (EVALSHA with an EVAL fallback). */
  defineCommand(
    name: string,
    definition: { lua: string; numberOfKeys?: number; readOnly?: boolean },
  ): void;
  /** A second connection with the same settings (Portcullis subscribes on it). */
  duplicate(override?: { enableOfflineQueue?: boolean; commandTimeout?: number }): RedisClient;
  /** Adds an event listener (`ready`, `error`, `message`). */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Adds a one-time event listener. */
  once(event: string, listener: (...args: never[]) => void): unknown;
  /** SUBSCRIBE. */
  subscribe(channel: string): Promise<unknown>;
  /** PUBLISH. */
  publish(channel: string, message: string): Promise<unknown>;
  /** DEL. */
  del(key: string): Promise<unknown>;
  /** QUIT: closes once the replies still due have arrived. */
  quit(): Promise<unknown>;
  /** Closes the connection at once. */
  disconnect(): void;
}
