import { performance } from 'node:perf_hooks';
import { sleep } from './bench-server.js';
import { percentile } from './stats.js';

/** Latencies of a steady trickle of requests. */
export interface ProbeResult {
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Sends GETs on a fixed schedule and times each from when it was due, not from when it went out,
 * and waits for every one of them. autocannon would drop requests still unanswered when its run
 * ends, exactly the ones a stalled event loop delays most, and would report a p99 without them.
 */
export async function probeLatency(
  url: string,
  requestsPerSecond: number,
  seconds: number,
): Promise<ProbeResult> {
  const interval = 1000 / requestsPerSecond;
  const total = Math.round(requestsPerSecond * seconds);
  const latencies: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let index = 0; index < total; index++) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(
      fetch(url).then(
        async (response) => {
          await response.arrayBuffer();
          if (response.ok) latencies.push(performance.now() - due);
          else failed++;
        },
        () => {
          failed++;
        },
      ),
    );
  }
  await Promise.all(pending);
  return {
    ok: latencies.length,
    failed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? Math.max(...latencies) : NaN,
  };
}
