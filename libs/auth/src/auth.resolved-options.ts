// The resolver lives in ./options/, one file a concern; this file keeps the imports that name it
// working, so splitting it changed no other file.
export { resolveAuthOptions, type ResolvedAuthOptions } from './options/resolve-auth-options.js';
export {
  resolveStructuralOptions,
  type ResolvedStructuralOptions,
} from './options/structural-options.resolver.js';
export { defaultNormalizeHandle } from './options/user-options.resolver.js';
export type { ResolvedExternalIssuer } from './options/jwt-options.resolver.js';
export type { ResolvedThrottleLimit } from './options/throttle-options.resolver.js';
