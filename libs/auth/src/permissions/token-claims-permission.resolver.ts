import { Injectable } from '@nestjs/common';
import type { TokenUser } from '../users/token-user.interface.js';
import { ALL_PERMISSIONS, PermissionResolver, type PermissionSet } from './permission-resolver.js';

const NONE: ReadonlySet<string> = new Set();

/**
 * The {@link PermissionResolver} of a resource server (`mode: 'resource-server'`): the permissions
 * are the `perms` claim of the user's access token ({@link TokenUser.permissions}), decided without a
 * database. A token without the claim holds none.
 */
@Injectable()
export class TokenClaimsPermissionResolver extends PermissionResolver {
  private readonly sets = new WeakMap<object, PermissionSet>();

  permissionsOf(user: object): Promise<PermissionSet> {
    return Promise.resolve(this.cachedPermissionsOf(user));
  }

  /** Always known: the claim is on the user. */
  override cachedPermissionsOf(user: object): PermissionSet {
    const known = this.sets.get(user);
    if (known !== undefined) return known;
    const { isSuperuser, permissions } = user as Partial<TokenUser>;
    const held: PermissionSet =
      isSuperuser === true
        ? ALL_PERMISSIONS
        : Array.isArray(permissions) && permissions.length
          ? new Set(permissions)
          : NONE;
    this.sets.set(user, held);
    return held;
  }
}
