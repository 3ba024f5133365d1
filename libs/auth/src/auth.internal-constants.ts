/** Resolved, validated options (defaults merged). Internal: never exported from the package. */
export const AUTH_RESOLVED_OPTIONS = 'PORTCULLIS:RESOLVED_OPTIONS';

/** The structural options given beside `useFactory` (entity, strategy order, routes, global guard). */
export const AUTH_STRUCTURAL_OPTIONS = 'PORTCULLIS:STRUCTURAL_OPTIONS';

/**
 * The requests a Portcullis guard has already authenticated, so that a second guard on the route
 * (`PermissionsGuard` after `AuthGuard`) does not authenticate again. A WeakSet, not a marker
 * property: every Express request object has a hidden class of its own, so each property added to
 * one costs a copy of its map (measured here: 1.5 to 3 us a request). Kept in the global symbol
 * registry so that every copy of the library in the process shares it.
 */
export const AUTHENTICATED_REQUESTS: WeakSet<object> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('portcullis.authenticatedRequests')
] ??= new WeakSet<object>()) as WeakSet<object>;
