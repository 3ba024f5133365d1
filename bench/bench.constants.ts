/**
 * Values the bench app and the runner must agree on. They live in one file so that the runner never
 * has to guess what the server was started with.
 */

/**
 * The HS256 secret of every JWT row, Portcullis' and the docs recipes' alike: the same string for all
 * of them, so the rows differ only in how each one turns it into a key.
 */
export const BENCH_JWT_SECRET = 'portcullis-bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** The `iss` and `aud` Portcullis writes and requires in the bench app, and the bench's own tokens carry. */
export const BENCH_JWT_CLAIMS = {
  issuer: 'portcullis-bench',
  audience: 'portcullis-bench',
} as const;

/** The API key pepper: set explicitly, since it cannot be derived from the asymmetric keys of the ring. */
export const BENCH_API_KEY_PEPPER = 'portcullis-bench-api-key-pepper-0123456789-abcdefghijklmn';

/** The permission the `@Permissions` row requires; the bench account holds it directly. */
export const BENCH_PERMISSION = 'notes.read';

/** The account the Basic row and the login storm use; it is created when the bench app boots. */
export const BENCH_USER = {
  username: 'bench-user',
  password: 'correct horse battery staple',
} as const;

/**
 * Access tokens outlive the longest run (a full run takes about ten minutes), so no row turns into a
 * stream of 401s half way through.
 */
export const BENCH_TOKEN_TTL_SECONDS = 3600;

/**
 * Routes the runner uses to prepare and inspect the server. They are never under load while a row is
 * measured.
 */
export const BENCH_CONTROL = {
  credentials: '/_bench/credentials',
  tokens: '/_bench/tokens',
  argon2: '/_bench/argon2',
  memory: '/_bench/memory',
  eventLoop: '/_bench/event-loop',
  eventLoopReset: '/_bench/event-loop/reset',
} as const;

/** The body every measured route answers, so rows differ only in what runs before the handler. */
export const BENCH_PAYLOAD = { ok: true } as const;

/** The HTTP adapters every row runs on. */
export const BENCH_ADAPTERS = ['fastify', 'express'] as const;
export type BenchAdapter = (typeof BENCH_ADAPTERS)[number];
