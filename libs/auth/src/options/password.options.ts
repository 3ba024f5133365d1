/** argon2id cost parameters. The defaults are OWASP's recommendation. */
export interface PasswordHashingOptions {
  /** Memory in KiB. @default 19456 */
  memoryCost?: number;
  /** Iterations. @default 2 */
  timeCost?: number;
  /** Lanes. @default 1 */
  parallelism?: number;
  /**
   * At most this many hashes and verifies run at once in this process; the others wait their turn,
   * first come first served. argon2id runs on libuv's threadpool (`UV_THREADPOOL_SIZE`, 4 by
   * default), which also serves file reads, DNS lookups and Node's async crypto: left to fill every
   * thread, a burst of logins makes those wait behind it. A lower value also leaves the event loop a
   * core on a small machine, at the cost of logins per second.
   * @default one less than the threadpool size, at least 1
   */
  concurrency?: number;
}
