import { isGroupName } from '../permissions/permission-codename.js';
import { LIBRARY_USER_COLUMNS } from '../users/user-entity-contract.js';
import type { AuthModuleOptions } from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';
import { positiveInteger } from './option-checks.js';
import type { RegistrationValidator } from './user.options.js';

/** The users section of the resolved options: handles, the user cache, registration. Internal. */
export interface ResolvedUserOptions {
  usernameField: string;
  normalizeHandle: (handle: string) => string;
  userCache: { max: number; ttl: number };
  defaultGroups: string[];
  /** `registration`: the extra columns a registration sets (names checked, columns at boot). */
  registration: { fields: string[]; validate: RegistrationValidator | undefined };
}

/** An entity property name, which is also what a column is found by at boot. */
const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The default handle normalisation: NFKC, trimmed, lower-cased (locale-independent). */
export function defaultNormalizeHandle(handle: string): string {
  return handle.normalize('NFKC').trim().toLowerCase();
}

/** Applies defaults to the user options; what is wrong goes to `problems`. */
export function resolveUserOptions(
  problems: string[],
  input: AuthModuleOptions,
): ResolvedUserOptions {
  const usernameField = input.usernameField ?? AUTH_DEFAULTS.usernameField;
  if (typeof usernameField !== 'string' || !PROPERTY_NAME.test(usernameField)) {
    problems.push(
      `usernameField must be the name of an entity property; got ${String(usernameField)}.`,
    );
  }
  if (input.normalizeHandle !== undefined && typeof input.normalizeHandle !== 'function') {
    problems.push('normalizeHandle must be a function (handle: string) => string.');
  }
  return {
    usernameField,
    normalizeHandle: input.normalizeHandle ?? defaultNormalizeHandle,
    defaultGroups: defaultGroups(problems, input.defaultGroups),
    registration: registrationSettings(problems, input.registration, usernameField),
    userCache: {
      max: positiveInteger(
        problems,
        'userCache.max',
        input.userCache?.max,
        AUTH_DEFAULTS.userCache.max,
      ),
      ttl: positiveInteger(
        problems,
        'userCache.ttl',
        input.userCache?.ttl,
        AUTH_DEFAULTS.userCache.ttl,
        0,
      ),
    },
  };
}

function defaultGroups(problems: string[], groups: string[] | undefined): string[] {
  if (groups === undefined) return [...AUTH_DEFAULTS.defaultGroups];
  if (!Array.isArray(groups) || !groups.every(isGroupName)) {
    problems.push('defaultGroups must be a list of group names (letters, digits, "_", "-", ".").');
    return [];
  }
  return [...new Set(groups)];
}

function registrationSettings(
  problems: string[],
  input: AuthModuleOptions['registration'],
  usernameField: string,
): ResolvedUserOptions['registration'] {
  const fields = input?.fields ?? [...AUTH_DEFAULTS.registration.fields];
  const validate = input?.validate;
  if (validate !== undefined && typeof validate !== 'function') {
    problems.push('registration.validate must be a function (fields, context) => problems.');
  }
  if (!Array.isArray(fields)) {
    problems.push('registration.fields must be a list of user entity property names.');
    return { fields: [], validate: undefined };
  }
  const seen = new Set<string>();
  for (const field of fields) {
    if (typeof field !== 'string' || !PROPERTY_NAME.test(field)) {
      problems.push(`registration.fields: ${String(field)} is not an entity property name.`);
    } else if (LIBRARY_USER_COLUMNS.has(field)) {
      problems.push(
        `registration.fields: ${field} belongs to Portcullis and can never be set by a registration (grant it with the admin routes or the CLI).`,
      );
    } else if (field === usernameField || field === 'email' || field === 'password') {
      problems.push(
        `registration.fields: ${field} is already read by POST register; list only your own columns.`,
      );
    } else if (seen.has(field)) {
      problems.push(`registration.fields: ${field} is listed twice.`);
    }
    seen.add(String(field));
  }
  return { fields: [...seen], validate };
}
