import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { PERMISSIONS_KEY } from '../auth.constants.js';
import type { PermissionRequirement } from '../guards/permission-requirement.js';
import { PermissionsGuard } from '../guards/permissions.guard.js';
import { isPermissionCodename } from '../permissions/permission-codename.js';

function requirement(mode: 'all' | 'any', codenames: string[]): PermissionRequirement {
  if (codenames.length === 0) {
    throw new Error(
      '@Permissions() needs at least one permission codename, e.g. @Permissions("notes.read").',
    );
  }
  for (const codename of codenames) {
    if (!isPermissionCodename(codename)) {
      throw new Error(
        `@Permissions(): ${JSON.stringify(codename)} is not a permission codename such as "notes.read".`,
      );
    }
  }
  return { mode, codenames: [...new Set(codenames)] };
}

function decorate(value: PermissionRequirement): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(PERMISSIONS_KEY, value), UseGuards(PermissionsGuard));
}

/**
 * Requires every one of these permissions (and a logged-in user: anonymous callers get 401, not 403).
 * On a controller and on a handler, both apply: the caller needs the controller's and the handler's.
 * A bad codename or an empty list throws when the class is defined, so it fails at boot.
 *
 * @example
 * ```ts
 * @Permissions('notes.read') @Get() list() { ... }
 * @Permissions.any('notes.admin', 'notes.delete') @Delete(':id') remove() { ... }
 * ```
 */
export const Permissions = Object.assign(
  (...codenames: string[]): MethodDecorator & ClassDecorator =>
    decorate(requirement('all', codenames)),
  {
    /** Requires at least one of these permissions. */
    any: (...codenames: string[]): MethodDecorator & ClassDecorator =>
      decorate(requirement('any', codenames)),
  },
);
