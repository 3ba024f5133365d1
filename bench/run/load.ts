import autocannon from 'autocannon';
import type { BenchServer } from './bench-server.js';
import { machineBusyMicros } from './proc-stat.js';

/** What one load of one route produced. */
export interface LoadResult {
  /** Requests answered with a 2xx. */
  ok: number;
  /** Answers that were not 2xx, plus socket errors and timeouts: a valid row has none. */
  failed: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  elapsedMs: number;
}

/** A load and the server CPU it cost. */
export interface MeasuredLoad extends LoadResult {
  /** Server CPU time per 2xx answer, user + system, all threads. */
  cpuMicrosPerRequest: number;
  /** Cores' worth of CPU that neither the server nor the runner used meanwhile: other tenants. */
  foreignCores: number;
}

/** How to load one route. */
export interface LoadSpec {
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  durationSeconds?: number;
  /** Exact number of requests to send, instead of a duration. */
  amount?: number;
  /** Rewrites each request before it is sent (e.g. a different token on every request). */
  setupRequest?: autocannon.Request['setupRequest'];
}

/** Loads a route with autocannon from this process. */
export async function load(server: BenchServer, spec: LoadSpec): Promise<LoadResult> {
  // autocannon calls any `setupRequest` key it finds, even an undefined one: leave unset keys out.
  const request: autocannon.Request = { method: spec.method ?? 'GET', path: spec.path };
  if (spec.headers) request.headers = spec.headers;
  if (spec.body !== undefined) request.body = spec.body;
  if (spec.setupRequest) request.setupRequest = spec.setupRequest;
  const result = await autocannon({
    url: server.url(''),
    connections: spec.connections,
    ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationSeconds }),
    requests: [request],
    // A non-2xx answer must not look fast: count it as failed and keep it out of the latencies.
    excludeErrorStats: true,
  });
  const ok = result['2xx'];
  const elapsedMs = new Date(result.finish).getTime() - new Date(result.start).getTime();
  return {
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    requestsPerSecond: ok / (elapsedMs / 1000),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    elapsedMs,
  };
}

/** Loads a route and bills the server CPU spent meanwhile to the answered requests. */
export async function measure(server: BenchServer, spec: LoadSpec): Promise<MeasuredLoad> {
  const serverBefore = server.cpuMicros();
  const runnerBefore = process.cpuUsage();
  const machineBefore = machineBusyMicros();
  const result = await load(server, spec);
  const serverMicros = server.cpuMicros() - serverBefore;
  const runner = process.cpuUsage(runnerBefore);
  const foreignMicros =
    machineBusyMicros() - machineBefore - serverMicros - (runner.user + runner.system);
  return {
    ...result,
    cpuMicrosPerRequest: result.ok > 0 ? serverMicros / result.ok : NaN,
    foreignCores: Math.max(0, foreignMicros / (result.elapsedMs * 1000)),
  };
}
