import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { API_KEY_STRATEGY, PERMISSIONS_KEY } from '../auth.constants.js';
import type { PermissionRequirement } from './permission-requirement.js';
import { InsufficientPermissionsException } from '../errors/auth.exception.js';
import { asServiceUnavailable } from '../errors/is-service-unavailable-error.js';
import {
  ALL_PERMISSIONS,
  PermissionResolver,
  type PermissionSet,
} from '../permissions/permission-resolver.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { httpRequestOf, httpResponseOf } from './http-context.js';
import { LoginRequiredGuard } from './login-required.guard.js';
import { RequestAuthenticator } from './request-authenticator.js';
import { authInfoOf } from '../strategies/auth-info.js';
import { RouteMetadata } from './route-metadata.js';

/**
 * Checks `@Permissions()` (applied by that decorator). It authenticates the request first, whatever the
 * order of guards, so an anonymous caller gets 401 and never 403. A caller lacking a permission gets
 * 403 `insufficient_permissions` naming it; when an API key's scopes are what is lacking, the answer
 * also carries `WWW-Authenticate: Bearer realm="...", error="insufficient_scope"` (RFC 6750). A key's scopes narrow
 * its owner's permissions, never widen them.
 */
@Injectable()
export class PermissionsGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly login: LoginRequiredGuard,
    protected readonly resolver: PermissionResolver,
    protected readonly authenticator: RequestAuthenticator,
  ) {}

  /** The `@Permissions()` requirements of each route: the controller's, then the handler's. */
  private readonly routeRequirements = new RouteMetadata((context) =>
    [context.getClass(), context.getHandler()]
      .map((target) =>
        this.reflector.get<PermissionRequirement | undefined>(PERMISSIONS_KEY, target),
      )
      .filter((requirement): requirement is PermissionRequirement => requirement !== undefined),
  );

  /**
   * Answers without a promise when the request was authenticated without a read and the resolver
   * has the user's permissions cached ({@link PermissionResolver.cachedPermissionsOf}), so Nest runs
   * the handler in the same tick; otherwise a promise. Refusals are thrown either way.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const requirements = this.routeRequirements.of(context);
    if (requirements.length === 0) return true;
    const authenticated = this.login.authenticate(context);
    return authenticated instanceof Promise
      ? authenticated.then(() => this.check(context, requirements))
      : this.check(context, requirements);
  }

  private check(
    context: ExecutionContext,
    requirements: readonly PermissionRequirement[],
  ): boolean | Promise<boolean> {
    const request = httpRequestOf<AuthRequest>(context);
    const user = request.user as object;
    const cached = this.resolver.cachedPermissionsOf?.(user);
    if (cached !== undefined) return this.decide(context, request, requirements, cached);
    // A resolver that cannot reach the database answers 503 here, whatever filters the app has.
    return this.resolver.permissionsOf(user).then(
      (held) => this.decide(context, request, requirements, held),
      (error: unknown) => {
        throw asServiceUnavailable(error);
      },
    );
  }

  /** Lets the request through when `held` meets every requirement; else throws the 403. */
  private decide(
    context: ExecutionContext,
    request: AuthRequest,
    requirements: readonly PermissionRequirement[],
    held: PermissionSet,
  ): boolean {
    const info = authInfoOf(request);
    const scopes =
      info?.strategy === API_KEY_STRATEGY && info.scopes.length ? info.scopes : undefined;
    const owns = (codename: string) => held === ALL_PERMISSIONS || held.has(codename);
    const allowed = (codename: string) => owns(codename) && (!scopes || scopes.includes(codename));
    const missing = new Set<string>();
    for (const requirement of requirements) {
      if (requirement.mode === 'all') {
        for (const codename of requirement.codenames) if (!allowed(codename)) missing.add(codename);
      } else if (!requirement.codenames.some(allowed)) {
        requirement.codenames.forEach((codename) => missing.add(codename));
      }
    }
    if (missing.size === 0) return true;
    const lacking = [...missing];
    if (scopes && lacking.some(owns)) {
      this.authenticator.setHeader(
        httpResponseOf(context),
        'WWW-Authenticate',
        this.authenticator.scopeChallenge(lacking),
      );
    }
    throw new InsufficientPermissionsException(lacking);
  }
}
