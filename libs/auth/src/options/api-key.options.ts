/** API keys (the `api-key` strategy). */
export interface ApiKeyOptions {
  /**
   * The recognisable start of every key (`pcs_...`), for secret scanners: 2 to 10 lower-case letters or
   * digits.
   * @default 'pcs'
   */
  prefix?: string;
  /**
   * The server pepper keying the stored digests: a string of at least 32 bytes, or a list of
   * `{ id, secret }` whose first entry makes new digests while the others still verify old keys.
   * @default AUTH_API_KEY_PEPPER, else one derived (HKDF) from the HS256 JWT secret
   */
  pepper?: string | Array<{ id: string; secret: string }>;
  /** Verified keys held in memory, so the common path makes no database read. */
  cache?: {
    /** Most keys held. @default 10000 */
    max?: number;
    /** Seconds a verified key is served from memory before its record is read again. @default 60 */
    ttl?: number;
  };
}
