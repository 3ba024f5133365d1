import type { AuthRequest } from './auth-request.js';

/**
 * Where a Fastify request keeps its reply, set by `RequestShape` as each request arrives: Fastify's
 * request has no link to its reply, and a Passport strategy is handed only the request.
 */
export const REPLY_OF_REQUEST = Symbol.for('portcullis.reply');

/**
 * The response of a request (Express' `Response`, which Express links as `request.res`, or the
 * Fastify reply), or undefined when the request came some other way.
 */
export function responseOf(request: AuthRequest): unknown {
  const linked = request as { res?: unknown; [REPLY_OF_REQUEST]?: unknown };
  return linked.res ?? linked[REPLY_OF_REQUEST];
}

/** Sets a header on an Express response or a Fastify reply (both have `header(name, value)`). */
export function setResponseHeader(response: unknown, name: string, value: string): void {
  const target = response as { header?: (name: string, value: string) => unknown } | undefined;
  if (typeof target?.header === 'function') target.header(name, value);
}

/** Removes a header from an Express response or a Fastify reply. */
export function removeResponseHeader(response: unknown, name: string): void {
  const target = response as { removeHeader?: (name: string) => unknown } | undefined;
  if (typeof target?.removeHeader === 'function') target.removeHeader(name);
}
