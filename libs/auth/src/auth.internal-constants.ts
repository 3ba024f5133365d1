/** Resolved, validated options (defaults merged). Internal: never exported from the package. */
export const AUTH_RESOLVED_OPTIONS = 'PORTCULLIS:RESOLVED_OPTIONS';

/** The structural options given beside `useFactory` (entity, strategy order, routes, global guard). */
export const AUTH_STRUCTURAL_OPTIONS = 'PORTCULLIS:STRUCTURAL_OPTIONS';
