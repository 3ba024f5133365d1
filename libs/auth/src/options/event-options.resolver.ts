import type { AuthEventListener } from '../events/auth-event.js';
import type { AuthModuleOptions } from './auth.options.js';

/** The auth-events section of the resolved options. Internal. */
export interface ResolvedEventOptions {
  onAuthEvent: AuthEventListener | undefined;
}

/** Checks the `onAuthEvent` option; what is wrong goes to `problems`. */
export function resolveEventOptions(
  problems: string[],
  input: AuthModuleOptions,
): ResolvedEventOptions {
  if (input.onAuthEvent !== undefined && typeof input.onAuthEvent !== 'function') {
    problems.push('onAuthEvent must be a function (event) => void.');
  }
  return { onAuthEvent: input.onAuthEvent };
}
