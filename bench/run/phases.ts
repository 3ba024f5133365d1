import { BENCH_CONTROL, BENCH_USER, type BenchAdapter } from '../bench.constants.js';
import {
  BASELINE_ROW_ID,
  MEMORY_ROW_ID,
  rowById,
  type BenchRow,
  type CredentialName,
} from '../bench-rows.js';
import type { Argon2Baseline, EventLoopDelay } from '../app/bench-control.controller.js';
import type { BenchConfig } from './bench-config.js';
import { BenchServer } from './bench-server.js';
import { probeLatency, type ProbeResult } from './latency-probe.js';
import { load, measure, type MeasuredLoad } from './load.js';
import { warmUp } from './warm-up.js';

/** Headers per credential name, as the bench app mints them. */
export type Credentials = Record<CredentialName, Record<string, string>>;

/** Request headers for a row: its credential, or none. */
export function rowHeaders(row: BenchRow, credentials: Credentials): Record<string, string> {
  return row.credential === null ? {} : credentials[row.credential];
}

/**
 * Fails the run before any measuring when a row would measure the wrong thing: a credential the
 * route refuses (every answer would be a cheap 401), or a guarded route that lets anonymous callers
 * through (the guard is not on it).
 */
export async function checkRows(
  server: BenchServer,
  rows: readonly BenchRow[],
  credentials: Credentials,
): Promise<void> {
  for (const row of rows) {
    const accepted = await fetch(server.url(row.path), { headers: rowHeaders(row, credentials) });
    if (accepted.status !== 200) {
      throw new Error(`${server.adapter} ${row.id}: expected 200, got ${accepted.status}`);
    }
    if (row.credential !== null) {
      const anonymous = await fetch(server.url(row.path));
      if (anonymous.status !== 401) {
        throw new Error(`${server.adapter} ${row.id}: anonymous call got ${anonymous.status}`);
      }
    }
  }
}

/**
 * Warms a row up (JIT, pools, caches a real client would also warm), then measures it. A route
 * measured before on this server needs fewer warm-up requests: `warmupRequests` overrides the
 * configured count.
 */
export async function measureRow(
  server: BenchServer,
  row: BenchRow,
  credentials: Credentials,
  config: BenchConfig,
  warmupRequests = config.warmupRequests,
): Promise<MeasuredLoad> {
  const connections = row.slowConnections ?? config.connections;
  const spec = { path: row.path, headers: rowHeaders(row, credentials), connections };
  await warmUp({
    url: server.url(row.path),
    headers: spec.headers,
    requests: row.slowConnections ? row.slowConnections * 2 : warmupRequests,
    concurrency: connections,
  });
  await server.settle();
  const result = await measure(server, { ...spec, durationSeconds: config.durationSeconds });
  await server.settle();
  return result;
}

/** One round of the login storm. */
export interface StormSample {
  /** `POST /auth/login` with a valid password, at the bench's full concurrency. */
  logins: MeasuredLoad;
  /** argon2id verifies of the same hash on the same threadpool, with nothing else running. */
  rawArgon2: Argon2Baseline;
  /** The unprotected GET served during the storm. */
  probe: ProbeResult;
  /** The server's own view of its event loop during the storm. */
  eventLoopDelay: EventLoopDelay;
}

/**
 * Logins at full concurrency next to what the server's threadpool can verify at best, while a steady
 * trickle of unprotected GETs shows whether the event loop keeps answering.
 */
export async function loginStorm(server: BenchServer, config: BenchConfig): Promise<StormSample> {
  const login = {
    path: '/auth/login',
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: BENCH_USER.username, password: BENCH_USER.password }),
    connections: config.connections,
  };
  // A few logins warm the route; each costs a full argon2id verify, so a handful is enough.
  await warmUp({ ...login, url: server.url(login.path), requests: 8, concurrency: 4 });
  await server.settle();
  // Twice the pool size keeps every pool thread busy; more would only lengthen the queue left over
  // when the time is up, not raise the rate.
  const rawArgon2 = await server.postJson<Argon2Baseline>(BENCH_CONTROL.argon2, {
    concurrency: 2 * Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    durationMs: config.stormSeconds * 1000,
  });
  await server.settle();
  await server.post(BENCH_CONTROL.eventLoopReset);
  const [logins, probe] = await Promise.all([
    measure(server, { ...login, durationSeconds: config.stormSeconds }),
    probeLatency(
      server.url(rowById(BASELINE_ROW_ID).path),
      config.probe.requestsPerSecond,
      config.stormSeconds,
    ),
  ]);
  const eventLoopDelay = await server.getJson<EventLoopDelay>(BENCH_CONTROL.eventLoop);
  await server.settle();
  return { logins, rawArgon2, probe, eventLoopDelay };
}

/** The memory check of one adapter. */
export interface MemorySample {
  adapter: BenchAdapter;
  rowId: string;
  tokens: number;
  ok: number;
  failed: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssAfterGcBytes: number;
  heapUsedBeforeBytes: number;
  heapUsedAfterGcBytes: number;
  /** The server's `process.memoryUsage()` before and after, both right after a full collection. */
  before: MemoryReading;
  afterGc: MemoryReading;
}

type MemoryReading = NodeJS.MemoryUsage & { collected: boolean };

/** Tokens are minted in batches so the server never holds one giant response. */
const TOKEN_BATCH = 5_000;

/**
 * RSS and live heap of a fresh server before and after it verified `memoryTokens` distinct valid
 * tokens, one request each. Any cache on the verify path must keep the heap after a collection
 * close to where it started.
 */
export async function memoryCheck(
  adapter: BenchAdapter,
  config: BenchConfig,
): Promise<MemorySample> {
  const row = rowById(MEMORY_ROW_ID);
  const server = await BenchServer.start({ adapter, nodeFlags: ['--expose-gc'] });
  try {
    const credentials = await server.getJson<Credentials>(BENCH_CONTROL.credentials);
    const tokens: string[] = [];
    while (tokens.length < config.memoryTokens) {
      const count = Math.min(TOKEN_BATCH, config.memoryTokens - tokens.length);
      const batch = await server.postJson<{ tokens: string[] }>(BENCH_CONTROL.tokens, {
        count,
        users: config.memoryUsers,
      });
      tokens.push(...batch.tokens);
    }
    await warmUp({
      url: server.url(row.path),
      headers: rowHeaders(row, credentials),
      requests: config.warmupRequests,
      concurrency: config.connections,
    });
    await server.settle();
    const before = await server.getJson<MemoryReading>(`${BENCH_CONTROL.memory}?gc=1`);
    const rssBeforeBytes = server.rssBytes();
    let next = 0;
    const result = await load(server, {
      path: row.path,
      connections: config.connections,
      amount: tokens.length,
      setupRequest: (request) => ({
        ...request,
        headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
      }),
    });
    await server.settle();
    const rssAfterBytes = server.rssBytes();
    const after = await server.getJson<MemoryReading>(`${BENCH_CONTROL.memory}?gc=1`);
    return {
      adapter,
      rowId: row.id,
      tokens: tokens.length,
      ok: result.ok,
      failed: result.failed,
      rssBeforeBytes,
      rssAfterBytes,
      rssAfterGcBytes: server.rssBytes(),
      heapUsedBeforeBytes: before.heapUsed,
      heapUsedAfterGcBytes: after.heapUsed,
      before,
      afterGc: after,
    };
  } finally {
    await server.stop();
  }
}
