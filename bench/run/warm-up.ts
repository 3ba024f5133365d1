/** How to warm a route up. */
export interface WarmUpSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  requests: number;
  concurrency: number;
}

/**
 * Sends `requests` requests, `concurrency` at a time, and checks nothing but that they were answered.
 * Not autocannon: an autocannon run lasts at least one second whatever its request count, which
 * across every row and round of a quick run would cost most of its time budget.
 */
export async function warmUp(spec: WarmUpSpec): Promise<void> {
  let remaining = spec.requests;
  const worker = async () => {
    while (remaining-- > 0) {
      const response = await fetch(spec.url, {
        method: spec.method ?? 'GET',
        headers: spec.headers,
        body: spec.body,
      });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.requests) }, worker));
}
