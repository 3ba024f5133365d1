/** A Redis connection Portcullis opens itself (the `redis` option). */
export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://...`. */
  url: string;
  /** Put before every key Portcullis writes, e.g. to share one Redis between apps. @default '' */
  keyPrefix?: string;
}
