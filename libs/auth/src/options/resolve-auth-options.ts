import { AuthConfigurationError } from '../errors/auth.exception.js';
import type { AuthModuleOptions } from './auth.options.js';
import { resolveApiKeyOptions, type ResolvedApiKeyOptions } from './api-key-options.resolver.js';
import { resolveBrowserOptions, type ResolvedBrowserOptions } from './browser-options.resolver.js';
import { resolveEventOptions, type ResolvedEventOptions } from './event-options.resolver.js';
import { resolveJwtOptions, type ResolvedJwtOptions } from './jwt-options.resolver.js';
import {
  resolvePasswordOptions,
  type ResolvedPasswordOptions,
} from './password-options.resolver.js';
import { resolveMailOptions, type ResolvedMailOptions } from './mail-options.resolver.js';
import { resolveRedisOptions, type ResolvedRedisOptions } from './redis-options.resolver.js';
import { resolveSessionOptions, type ResolvedSessionOptions } from './session-options.resolver.js';
import type { ResolvedStructuralOptions } from './structural-options.resolver.js';
import {
  resolveThrottleOptions,
  type ResolvedThrottleOptions,
} from './throttle-options.resolver.js';
import { resolveUserOptions, type ResolvedUserOptions } from './user-options.resolver.js';

/**
 * Runtime options with defaults applied and secrets turned into keys: every section, so a service
 * that needs one section can be typed by it and still be given the whole. Internal.
 */
export interface ResolvedAuthOptions
  extends
    ResolvedStructuralOptions,
    ResolvedUserOptions,
    ResolvedJwtOptions,
    ResolvedSessionOptions,
    ResolvedApiKeyOptions,
    ResolvedPasswordOptions,
    ResolvedBrowserOptions,
    ResolvedThrottleOptions,
    ResolvedRedisOptions,
    ResolvedEventOptions,
    ResolvedMailOptions {
  /** Both the access-token settings and the refresh-token ones are given under `jwt`. */
  jwt: ResolvedJwtOptions['jwt'] & ResolvedSessionOptions['jwt'];
}

/**
 * Applies defaults to the runtime options, reads `AUTH_JWT_SECRET` when no secret is given, and checks
 * everything. Throws {@link AuthConfigurationError} listing every problem.
 */
export function resolveAuthOptions(
  options: AuthModuleOptions | undefined,
  structural: ResolvedStructuralOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedAuthOptions {
  const input = options ?? {};
  const problems: string[] = [];
  const users = resolveUserOptions(problems, input);
  const jwt = resolveJwtOptions(problems, input, structural, users.usernameField, env);
  const sessions = resolveSessionOptions(problems, input);
  const browser = resolveBrowserOptions(problems, input);
  const passwords = resolvePasswordOptions(problems, input);
  const throttle = resolveThrottleOptions(problems, input);
  const redis = resolveRedisOptions(problems, input);
  const events = resolveEventOptions(problems, input);
  const mail = resolveMailOptions(problems, input, structural);
  const apiKeys = resolveApiKeyOptions(
    problems,
    input.apiKeys,
    structural,
    jwt?.jwt.signingKey,
    env,
  );
  if (problems.length || !jwt) throw new AuthConfigurationError(problems);
  return {
    ...structural,
    ...users,
    ...jwt,
    ...sessions,
    ...browser,
    ...passwords,
    ...throttle,
    ...redis,
    ...events,
    ...mail,
    ...apiKeys,
    jwt: { ...jwt.jwt, ...sessions.jwt },
  };
}
