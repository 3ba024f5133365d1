/**
 * The row table: what the benchmark measures. Each row is one GET route of the bench app, loaded the
 * same way on both adapters and compared with the `unprotected` row of the same adapter and round.
 *
 * To add a row:
 * 1. add an entry here, with its issue-8 targets;
 * 2. give its id its guards in `app/row-guards.ts` (the compiler insists, the map is total);
 * 3. when it needs a new kind of credential, add its name to {@link CredentialName} and mint it in
 *    `app/bench-credentials.service.ts` (again a total map, so the compiler points the way).
 */

/** Kinds of credential the bench app mints for the runner; each becomes request headers. */
export type CredentialName =
  | 'portcullisJwt'
  | 'portcullisJwtRs256'
  | 'portcullisJwtEs256'
  | 'portcullisJwtEdDsa'
  | 'portcullisApiKey'
  | 'portcullisBasic'
  | 'docsJwt';

/** Issue-8 targets of a row, checked in the report and never asserted anywhere else. */
export interface RowTargets {
  /** Least requests/s of the row, as a fraction of the unprotected row, per adapter. */
  minRatio?: { fastify?: number; express?: number };
  /** The row must serve at least `factor` times the requests/s of each of these rows (Fastify). */
  beats?: { rows: readonly string[]; factor: number };
}

/** One measured route. */
export interface BenchRow {
  /** Stable id, used in result files: renaming one breaks comparisons with earlier runs. */
  id: string;
  /** What the README table calls it. */
  label: string;
  /** The route the bench app serves for it. */
  path: string;
  /** The credential sent on every request, or null for an anonymous caller. */
  credential: CredentialName | null;
  /**
   * Connections for a row whose requests take tens of milliseconds of threadpool work each: enough
   * to keep the pool busy, without the queue of the default 50 making a short run end before most
   * requests are answered.
   */
  slowConnections?: number;
  targets?: RowTargets;
}

export const BENCH_ROWS = [
  {
    id: 'unprotected',
    label: 'unprotected GET (ceiling)',
    path: '/open',
    credential: null,
  },
  {
    id: 'noop-guard',
    label: 'no-op guard (floor of Nest guards)',
    path: '/noop',
    credential: null,
  },
  {
    id: 'portcullis-jwt-hs256',
    label: 'Portcullis `AuthGuard`, JWT HS256',
    path: '/portcullis/jwt',
    credential: 'portcullisJwt',
    targets: {
      minRatio: { fastify: 0.9, express: 0.95 },
      beats: { rows: ['docs-passport-jwt', 'docs-jwt-service'], factor: 10 },
    },
  },
  {
    // The same token on every request, as a client sends it: after the first request the exact-token
    // cache of verified signatures answers, so these rows differ from HS256 only on a cache miss.
    id: 'portcullis-jwt-rs256',
    label: 'Portcullis `AuthGuard`, JWT RS256',
    path: '/portcullis/jwt-rs256',
    credential: 'portcullisJwtRs256',
    targets: { minRatio: { fastify: 0.9, express: 0.95 } },
  },
  {
    id: 'portcullis-jwt-es256',
    label: 'Portcullis `AuthGuard`, JWT ES256',
    path: '/portcullis/jwt-es256',
    credential: 'portcullisJwtEs256',
    targets: { minRatio: { fastify: 0.9, express: 0.95 } },
  },
  {
    id: 'portcullis-jwt-eddsa',
    label: 'Portcullis `AuthGuard`, JWT EdDSA (Ed25519)',
    path: '/portcullis/jwt-eddsa',
    credential: 'portcullisJwtEdDsa',
    targets: { minRatio: { fastify: 0.9, express: 0.95 } },
  },
  {
    id: 'portcullis-api-key',
    label: 'Portcullis `AuthGuard`, API key (`Authorization: Bearer`)',
    path: '/portcullis/api-key',
    credential: 'portcullisApiKey',
    targets: { minRatio: { fastify: 0.85, express: 0.95 } },
  },
  {
    id: 'portcullis-jwt-permissions',
    label: "Portcullis `AuthGuard` + `@Permissions('notes.read')`, JWT HS256",
    path: '/portcullis/jwt-permissions',
    credential: 'portcullisJwt',
    targets: { minRatio: { fastify: 0.85, express: 0.95 } },
  },
  {
    // argon2id on every request: expected slow, shown because users do reach for Basic.
    id: 'portcullis-basic',
    label: 'Portcullis `AuthGuard`, Basic (argon2id each request)',
    path: '/portcullis/basic',
    credential: 'portcullisBasic',
    slowConnections: 8,
  },
  {
    id: 'docs-passport-jwt',
    label: "docs recipe: passport-jwt `AuthGuard('jwt')`, string secret",
    path: '/docs/passport-jwt',
    credential: 'docsJwt',
  },
  {
    id: 'docs-jwt-service',
    label: 'docs recipe: `JwtService.verifyAsync` guard, string secret',
    path: '/docs/jwt-service',
    credential: 'docsJwt',
  },
] as const satisfies readonly BenchRow[];

/** The id of a row in {@link BENCH_ROWS}. */
export type RowId = (typeof BENCH_ROWS)[number]['id'];

/** The row every other row is compared with. */
export const BASELINE_ROW_ID: RowId = 'unprotected';

/** The row the memory check loads with distinct tokens. */
export const MEMORY_ROW_ID: RowId = 'portcullis-jwt-hs256';

/** The row with this id. */
export function rowById(id: RowId): BenchRow {
  const row = BENCH_ROWS.find((candidate) => candidate.id === id);
  if (!row) throw new Error(`no bench row ${id}`);
  return row;
}

/**
 * Issue-8 targets whose rows do not exist yet. They are listed in every report as not measured, so
 * the table never suggests they were met; delete an entry when its row lands with its own targets.
 */
export const PENDING_TARGETS: readonly string[] = [];
