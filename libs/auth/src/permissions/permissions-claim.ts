import { Inject, Injectable } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedJwtOptions } from '../options/jwt-options.resolver.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserCache } from '../users/user-cache.js';
import { UserService } from '../users/user.service.js';
import { ALL_PERMISSIONS, PermissionResolver } from './permission-resolver.js';

/** The access-token claim that carries the user's effective permissions (`jwt.permissionsClaim`). */
export const PERMISSIONS_CLAIM = 'perms';

/** The whole `perms` claim of a superuser: every permission. Never a codename (codenames have dots). */
export const ALL_PERMISSIONS_CLAIM = '*';

/**
 * The `perms` claim of a new access token on the issuer (`jwt.permissionsClaim`): the user's
 * effective permissions through the app's {@link PermissionResolver}, sorted, or `['*']` for a
 * superuser. Internal.
 */
@Injectable()
export class PermissionsClaim {
  constructor(
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedJwtOptions,
    private readonly users: UserService<object>,
    private readonly cache: UserCache<object>,
    private readonly resolver: PermissionResolver,
  ) {}

  /** The claim for the user with this stringified id; undefined when the option is off. */
  async of(userId: string): Promise<string[] | undefined> {
    if (!this.options.jwt.permissionsClaim) return undefined;
    const id = this.users.parseId(userId);
    const user = id === undefined ? null : await this.cache.get(id);
    // A user gone or deactivated holds nothing; ending such a session is the refresh route's job.
    if (!user || (user as AuthUser).isActive === false) return [];
    const held = await this.resolver.permissionsOf(user);
    return held === ALL_PERMISSIONS ? [ALL_PERMISSIONS_CLAIM] : [...held].sort();
  }
}
