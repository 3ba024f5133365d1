import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedUserOptions } from '../options/user-options.resolver.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserService } from '../users/user.service.js';
import { ALL_PERMISSIONS, PermissionResolver, PermissionSet } from './permission-resolver.js';
import { PermissionService } from './permission.service.js';

/**
 * The default {@link PermissionResolver}: superusers hold everything, inactive users nothing, others
 * the union of their direct and group permissions from Portcullis' tables. Results are cached per user
 * (bounded, `userCache` sizes) and dropped when a grant changes in this process; `userCache.ttl` bounds
 * how long a change made by another process takes.
 */
@Injectable()
export class DefaultPermissionResolver extends PermissionResolver {
  private readonly cache: LRUCache<string, ReadonlySet<string>>;
  private readonly enabled: boolean;

  constructor(
    private readonly grants: PermissionService,
    private readonly users: UserService<object>,
    @Inject(AUTH_RESOLVED_OPTIONS) options: Pick<ResolvedUserOptions, 'userCache'>,
  ) {
    super();
    const { max, ttl } = options.userCache;
    this.enabled = ttl > 0;
    this.cache = new LRUCache({ max, ttl: Math.max(ttl, 1) * 1000 });
    grants.onChange((userId) =>
      userId === undefined ? this.cache.clear() : this.cache.delete(userId),
    );
  }

  async permissionsOf(user: object): Promise<PermissionSet> {
    const known = this.cachedPermissionsOf(user);
    if (known !== undefined) return known;
    const id = this.users.idOf(user);
    const held = await this.grants.permissionsOfUserId(id);
    if (this.enabled) this.cache.set(id, held);
    return held;
  }

  /** Superusers and inactive users, and users whose permissions are cached; else undefined. */
  override cachedPermissionsOf(user: object): PermissionSet | undefined {
    const { isActive, isSuperuser } = user as AuthUser;
    if (isActive === false) return new Set<string>();
    if (isSuperuser === true) return ALL_PERMISSIONS;
    return this.enabled ? this.cache.get(this.users.idOf(user)) : undefined;
  }
}
