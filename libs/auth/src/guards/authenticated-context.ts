import type { ExecutionContext } from '@nestjs/common';

/**
 * Where a Portcullis guard notes, on the execution context, the request it has authenticated, so that
 * a second guard of the same route (`PermissionsGuard` after `AuthGuard`, or the global guard before
 * a route's own) does not authenticate it again. Nest runs all guards of a route, global ones
 * included, with one context per request.
 *
 * A property of the context, not a weak set of requests: adding a new key to a `WeakSet` grows its
 * table, and every garbage collection walks it, at a cost many times that of a property
 * (bench/README.md). Keyed in the global symbol registry so that every copy of the library in the
 * process sees the same note. The request itself is stored, not `true`, so the note can never speak
 * for another request.
 */
const AUTHENTICATED_REQUEST = Symbol.for('portcullis.authenticatedRequest');

type NotedContext = ExecutionContext & { [AUTHENTICATED_REQUEST]?: object };

/** True when a Portcullis guard has already authenticated `request` under this context. */
export function isAuthenticatedIn(context: ExecutionContext, request: object): boolean {
  return (context as NotedContext)[AUTHENTICATED_REQUEST] === request;
}

/** Notes that `request` is authenticated (its user is on `request.user`) under this context. */
export function noteAuthenticated(context: ExecutionContext, request: object): void {
  (context as NotedContext)[AUTHENTICATED_REQUEST] = request;
}
