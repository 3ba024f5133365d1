import { getMetadataArgsStorage } from 'typeorm';
import type { Type } from '@nestjs/common';
import { AuthConfigurationError } from '../errors/auth.exception.js';
import type { PermissionResolver } from '../permissions/permission-resolver.js';
import type { CredentialStrategy } from '../strategies/credential-strategy.interface.js';
import { User } from '../users/user.entity.js';
import {
  LOGIN_STRATEGY_NAMES,
  type AuthModuleStructuralOptions,
  type LoginStrategyName,
} from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';

/** Structural options with defaults applied. Internal. */
export interface ResolvedStructuralOptions {
  userEntity: Type<object>;
  /** Built-in strategy names and the application's strategy classes, in order. */
  strategies: Array<LoginStrategyName | Type<CredentialStrategy>>;
  /** False when `strategies` is the default order. */
  strategiesExplicit: boolean;
  permissionResolver: Type<PermissionResolver> | undefined;
  routesPrefix: string | null;
  /** Whether `<routesPrefix>/admin` is mounted (only ever with routes). */
  adminRoutes: boolean;
  global: boolean;
  /** `mode: 'resource-server'`: verify-only keys, no routes, no database, the user from the claims. */
  resourceServer: boolean;
  /** Which mail flows are on (each mounts its routes and needs `mail`). */
  accountFlows: AccountFlowSwitches;
}

/** The mail flows, on or off. Internal. */
export interface AccountFlowSwitches {
  passwordReset: boolean;
  emailVerification: boolean;
  emailChange: boolean;
  magicLink: boolean;
}

const ACCOUNT_FLOWS = ['passwordReset', 'emailVerification', 'emailChange', 'magicLink'] as const;

function isEntityClass(candidate: unknown): boolean {
  return (
    typeof candidate === 'function' &&
    getMetadataArgsStorage().tables.some((table) => table.target === candidate)
  );
}

/**
 * Applies defaults to the structural options and checks them. Throws {@link AuthConfigurationError}
 * listing every problem.
 */
export function resolveStructuralOptions(
  options: AuthModuleStructuralOptions = {},
): ResolvedStructuralOptions {
  const problems: string[] = [];
  const resourceServer = resourceServerMode(problems, options);
  const userEntity = options.userEntity === undefined ? User : options.userEntity;
  if (!isEntityClass(userEntity)) {
    problems.push(
      `userEntity must be a TypeORM entity class decorated with @Entity(); got ${describe(userEntity)}.`,
    );
  }
  const strategies =
    options.strategies ??
    (resourceServer ? [...AUTH_DEFAULTS.resourceServerStrategies] : [...AUTH_DEFAULTS.strategies]);
  if (!Array.isArray(strategies) || strategies.length === 0) {
    problems.push(
      `strategies must be a non-empty array of strategy names (${LOGIN_STRATEGY_NAMES.join(', ')}) and strategy classes.`,
    );
  } else {
    for (const entry of strategies) {
      if (typeof entry !== 'function' && !LOGIN_STRATEGY_NAMES.includes(entry)) {
        problems.push(
          `strategies: unknown strategy ${JSON.stringify(entry)}; known strategies are ${LOGIN_STRATEGY_NAMES.join(', ')}, or a class implementing CredentialStrategy.`,
        );
      }
    }
    if (new Set(strategies).size !== strategies.length) {
      problems.push('strategies: a strategy is listed twice.');
    }
  }
  const routes = options.routes ?? AUTH_DEFAULTS.routes;
  let routesPrefix: string | null = null;
  if (routes) {
    const prefix =
      routes === true ? AUTH_DEFAULTS.routesPrefix : (routes.prefix ?? AUTH_DEFAULTS.routesPrefix);
    if (typeof prefix !== 'string') problems.push('routes.prefix must be a string such as "auth".');
    else routesPrefix = prefix.replace(/^\/+|\/+$/g, '');
  }
  if (options.adminRoutes !== undefined && typeof options.adminRoutes !== 'boolean') {
    problems.push('adminRoutes must be true or false.');
  } else if (options.adminRoutes === true && !routes) {
    // The admin routes live under the routes prefix; mounting them alone would invent a prefix.
    problems.push(
      'adminRoutes needs routes: the admin routes are mounted under <routes prefix>/admin; set routes: true (or { prefix }) as well, or drop adminRoutes.',
    );
  }
  const accountFlows = {} as AccountFlowSwitches;
  for (const flow of ACCOUNT_FLOWS) {
    const on = options[flow] ?? AUTH_DEFAULTS[flow];
    if (typeof on !== 'boolean') problems.push(`${flow} must be true or false.`);
    accountFlows[flow] = on === true;
  }
  const flowsOn = ACCOUNT_FLOWS.filter((flow) => accountFlows[flow]);
  if (flowsOn.length && !resourceServer && !routes) {
    problems.push(
      `${flowsOn.join(', ')} mount routes under the routes prefix: set routes: true (or { prefix }) as well.`,
    );
  }
  if (flowsOn.length && resourceServer) {
    problems.push(`mode 'resource-server' has no users to mail: remove ${flowsOn.join(', ')}.`);
  }
  if (problems.length) throw new AuthConfigurationError(problems);
  return {
    accountFlows,
    userEntity,
    strategies,
    strategiesExplicit: options.strategies !== undefined,
    permissionResolver: options.permissionResolver,
    routesPrefix,
    adminRoutes: (options.adminRoutes ?? AUTH_DEFAULTS.adminRoutes) === true,
    global: (options.global ?? AUTH_DEFAULTS.global) === true,
    resourceServer,
  };
}

/**
 * Whether `mode` is `resource-server`, with what contradicts it pushed to `problems`: such a service
 * has no users of its own, so nothing that logs in, mounts routes or reads a user table.
 */
function resourceServerMode(problems: string[], options: AuthModuleStructuralOptions): boolean {
  const mode = options.mode ?? AUTH_DEFAULTS.mode;
  if (mode !== 'issuer' && mode !== 'resource-server') {
    problems.push(`mode must be 'issuer' or 'resource-server'; got ${String(mode)}.`);
    return false;
  }
  if (mode === 'issuer') return false;
  if (options.routes) {
    problems.push(
      "mode 'resource-server' mounts no routes: register, login and refresh live at the issuer. Remove routes, or use mode 'issuer'.",
    );
  }
  if (options.adminRoutes) {
    problems.push("mode 'resource-server' mounts no admin routes: remove adminRoutes.");
  }
  if (options.userEntity !== undefined) {
    problems.push(
      "mode 'resource-server' has no user table (the user comes from the token's claims): remove userEntity.",
    );
  }
  const others = (Array.isArray(options.strategies) ? options.strategies : []).filter(
    (entry) => typeof entry === 'string' && entry !== 'jwt',
  );
  if (others.length) {
    problems.push(
      `mode 'resource-server' accepts access tokens only: strategies may list only 'jwt'; got ${others.join(', ')}.`,
    );
  }
  return true;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `class ${value.name || '(anonymous)'} without @Entity()`;
  return typeof value;
}
