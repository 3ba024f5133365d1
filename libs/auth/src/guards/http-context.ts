import type { ExecutionContext } from '@nestjs/common';

/**
 * The request of an HTTP execution context. Nest's `switchToHttp()` builds three closures and copies
 * them onto the context on every call, garbage included, on the hot path; an HTTP
 * context's arguments are `[request, response, next]` on both adapters, so the request is read from
 * them directly.
 */
export function httpRequestOf<T = unknown>(context: ExecutionContext): T {
  return context.getArgByIndex<T>(0);
}

/** The response of an HTTP execution context (see {@link httpRequestOf}). */
export function httpResponseOf<T = unknown>(context: ExecutionContext): T {
  return context.getArgByIndex<T>(1);
}
