import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Injectable,
  Param,
  Post,
  Type,
  UseGuards,
} from '@nestjs/common';
import { ResourceNotFoundException, ValidationFailedException } from '../errors/auth.exception.js';
import { SuperuserGuard } from '../guards/superuser.guard.js';
import { isGroupName, isPermissionCodename } from '../permissions/permission-codename.js';
import { ALL_PERMISSIONS, PermissionResolver } from '../permissions/permission-resolver.js';
import { PermissionService, type GroupView } from '../permissions/permission.service.js';
import { AccountService } from '../users/account.service.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserService } from '../users/user.service.js';
import { bodyFields } from '../common/body-fields.js';

/**
 * What `GET <prefix>/admin/users/:id/permissions` answers: the user's direct grants, their groups and
 * what they may do in effect, or `{ superuser: true }` for a superuser (who holds everything).
 */
export type UserPermissionsView =
  { direct: string[]; groups: string[]; effective: string[] } | { superuser: true };

const GROUP_NAME_RULE = 'A group name is 1 to 100 letters, digits, "_", "-" or ".".';

function codename(value: unknown, field = 'permission'): string {
  if (!isPermissionCodename(value)) {
    throw new ValidationFailedException([
      { field, message: `${field} must be a permission codename such as "notes.read".` },
    ]);
  }
  return value;
}

function groupName(value: unknown, field = 'group'): string {
  if (!isGroupName(value)) {
    throw new ValidationFailedException([{ field, message: `${field}: ${GROUP_NAME_RULE}` }]);
  }
  return value;
}

/**
 * `<prefix>/admin/...`: groups, grants, group memberships and deactivation, for superusers only
 * (`adminRoutes: true`). Requests authenticated by an API key are refused (403). Path and body names
 * of the wrong shape are 400 `validation_failed`; unknown users and groups are 404 `not_found`. Every
 * change takes effect on the next request (the default resolver's cache is invalidated).
 */
@Injectable()
@UseGuards(SuperuserGuard)
export class AdminController {
  constructor(
    protected readonly grants: PermissionService,
    protected readonly users: UserService<object>,
    protected readonly accounts: AccountService<object>,
    protected readonly resolver: PermissionResolver,
  ) {}

  /** 200: every group with its permissions, by name. */
  @Get('groups')
  @Header('Cache-Control', 'no-store')
  async listGroups(): Promise<GroupView[]> {
    return this.grants.listGroups();
  }

  /**
   * 201 `{name, permissions}`: creates the group if it does not exist and grants it `permissions`
   * (idempotent, so a provisioning script may run it again).
   */
  @Post('groups')
  @HttpCode(201)
  async createGroup(@Body() body: unknown): Promise<GroupView> {
    const input = bodyFields(body);
    const name = groupName(input.name, 'name');
    const permissions = input.permissions ?? [];
    if (
      !Array.isArray(permissions) ||
      permissions.length > 100 ||
      !permissions.every((entry) => isPermissionCodename(entry))
    ) {
      throw new ValidationFailedException([
        {
          field: 'permissions',
          message: 'permissions must be a list of at most 100 codenames such as "notes.read".',
        },
      ]);
    }
    await this.grants.ensureGroup(name, [...new Set(permissions as string[])]);
    const groups = await this.grants.listGroups();
    return groups.find((group) => group.name === name) ?? { name, permissions: [] };
  }

  /** 204: grants a permission to a group. */
  @Post('groups/:name/permissions')
  @HttpCode(204)
  async grantToGroup(@Param('name') name: string, @Body() body: unknown): Promise<void> {
    const permission = codename(bodyFields(body).permission);
    await this.grants.grantToGroup(await this.existingGroup(name, 'name'), permission);
  }

  /** 204: revokes a permission from a group (also when the group did not hold it). */
  @Delete('groups/:name/permissions/:permission')
  @HttpCode(204)
  async revokeFromGroup(
    @Param('name') name: string,
    @Param('permission') permission: string,
  ): Promise<void> {
    const checked = codename(permission);
    await this.grants.revokeFromGroup(await this.existingGroup(name, 'name'), checked);
  }

  /** 200 `{direct, groups, effective}`, or `{superuser: true}`. */
  @Get('users/:id/permissions')
  @Header('Cache-Control', 'no-store')
  async permissionsOf(@Param('id') id: string): Promise<UserPermissionsView> {
    const user = await this.existingUser(id);
    if ((user as AuthUser).isSuperuser === true) return { superuser: true };
    const userId = this.users.idOf(user);
    const [direct, groups] = await Promise.all([
      this.grants.directPermissionsOf(userId),
      this.grants.groupsOf(userId),
    ]);
    // Effective comes from the resolver in use, so it shows what the guards will decide (a custom
    // resolver included); an inactive user holds nothing whatever the tables say.
    const held =
      (user as AuthUser).isActive === false ? [] : await this.resolver.permissionsOf(user);
    if (held === ALL_PERMISSIONS) return { superuser: true };
    return { direct, groups, effective: [...held].sort() };
  }

  /** 204: grants a permission to a user directly. */
  @Post('users/:id/permissions')
  @HttpCode(204)
  async grantToUser(@Param('id') id: string, @Body() body: unknown): Promise<void> {
    const permission = codename(bodyFields(body).permission);
    const user = await this.existingUser(id);
    await this.grants.grantToUser(this.users.idOf(user), permission);
  }

  /** 204: revokes a direct grant (the user's groups keep theirs). */
  @Delete('users/:id/permissions/:permission')
  @HttpCode(204)
  async revokeFromUser(
    @Param('id') id: string,
    @Param('permission') permission: string,
  ): Promise<void> {
    const checked = codename(permission);
    const user = await this.existingUser(id);
    await this.grants.revokeFromUser(this.users.idOf(user), checked);
  }

  /** 204: puts a user in an existing group. */
  @Post('users/:id/groups')
  @HttpCode(204)
  async addToGroup(@Param('id') id: string, @Body() body: unknown): Promise<void> {
    const group = groupName(bodyFields(body).group);
    const user = await this.existingUser(id);
    await this.grants.addToGroup(this.users.idOf(user), await this.existingGroup(group));
  }

  /** 204: takes a user out of a group (also when they were not in it). */
  @Delete('users/:id/groups/:group')
  @HttpCode(204)
  async removeFromGroup(@Param('id') id: string, @Param('group') group: string): Promise<void> {
    const checked = groupName(group);
    const user = await this.existingUser(id);
    await this.grants.removeFromGroup(this.users.idOf(user), await this.existingGroup(checked));
  }

  /** 204: deactivates a user; their sessions, tokens and keys stop working at once. */
  @Post('users/:id/deactivate')
  @HttpCode(204)
  async deactivate(@Param('id') id: string): Promise<void> {
    const user = await this.existingUser(id);
    if (!this.users.hasColumn('isActive')) {
      throw new ValidationFailedException([
        {
          field: 'id',
          message: 'The user entity has no isActive column, so its users cannot be deactivated.',
        },
      ]);
    }
    await this.accounts.deactivate(user);
  }

  /** The user with this stringified id; 404 when it cannot be one or does not exist. */
  private async existingUser(id: string): Promise<object> {
    const parsed = this.users.parseId(id);
    const user = parsed === undefined ? null : await this.users.findById(parsed);
    if (!user) throw new ResourceNotFoundException('No such user.');
    return user;
  }

  /** The name, checked for shape (400) and existence (404). */
  private async existingGroup(name: string, field = 'group'): Promise<string> {
    const checked = groupName(name, field);
    if (!(await this.grants.groupExists(checked))) {
      throw new ResourceNotFoundException('No such group.');
    }
    return checked;
  }
}

/** A subclass of {@link AdminController} mounted at `<prefix>/admin`. */
export function createAdminController(prefix: string): Type<AdminController> {
  class MountedAdminController extends AdminController {}
  Controller(`${prefix}/admin`)(MountedAdminController);
  return MountedAdminController;
}
