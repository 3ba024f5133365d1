import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In, ObjectLiteral, Repository } from 'typeorm';
import { ValidationFailedException } from '../errors/auth.exception.js';
import { isGroupName, isPermissionCodename } from './permission-codename.js';
import {
  AuthGroup,
  GroupPermission,
  UserGroup,
  UserPermission,
} from './permission-grant.entities.js';

/** A group and its permissions. */
export interface GroupView {
  name: string;
  permissions: string[];
}

type Listener = (userId: string | undefined) => void;

/**
 * Grants: permissions of users (directly and through groups) and of groups. Users are referenced by
 * stringified id. Every change notifies listeners (the default resolver's cache), so it takes effect on
 * the next request in this process.
 */
@Injectable()
export class PermissionService {
  private readonly groups: Repository<AuthGroup>;
  private readonly groupPermissions: Repository<GroupPermission>;
  private readonly userPermissions: Repository<UserPermission>;
  private readonly userGroups: Repository<UserGroup>;
  private readonly listeners: Listener[] = [];

  constructor(dataSource: DataSource) {
    this.groups = dataSource.getRepository(AuthGroup);
    this.groupPermissions = dataSource.getRepository(GroupPermission);
    this.userPermissions = dataSource.getRepository(UserPermission);
    this.userGroups = dataSource.getRepository(UserGroup);
  }

  /** Calls `listener(userId)` after a user's grants change, `listener(undefined)` after a group's. */
  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Creates a group if it does not exist, and grants it these permissions. */
  async ensureGroup(name: string, permissions: readonly string[] = []): Promise<void> {
    assertGroup(name);
    permissions.forEach(assertCodename);
    await insertIgnoringDuplicates(this.groups, [{ name }]);
    if (permissions.length) {
      await insertIgnoringDuplicates(
        this.groupPermissions,
        permissions.map((codename) => ({ groupName: name, codename })),
      );
    }
    this.changed(undefined);
  }

  /** Every group with its permissions, by name. */
  async listGroups(): Promise<GroupView[]> {
    const [groups, grants] = await Promise.all([
      this.groups.find({ order: { name: 'ASC' } }),
      this.groupPermissions.find(),
    ]);
    return groups.map((group) => ({
      name: group.name,
      permissions: grants
        .filter((grant) => grant.groupName === group.name)
        .map((grant) => grant.codename)
        .sort(),
    }));
  }

  /** True when the group exists. */
  async groupExists(name: string): Promise<boolean> {
    return isGroupName(name) && (await this.groups.countBy({ name })) > 0;
  }

  /** Grants a permission to a group. */
  async grantToGroup(groupName: string, codename: string): Promise<void> {
    assertCodename(codename);
    await insertIgnoringDuplicates(this.groupPermissions, [{ groupName, codename }]);
    this.changed(undefined);
  }

  /** Revokes a permission from a group. */
  async revokeFromGroup(groupName: string, codename: string): Promise<void> {
    await this.groupPermissions.delete({ groupName, codename });
    this.changed(undefined);
  }

  /** Grants a permission to a user directly. */
  async grantToUser(userId: string, codename: string): Promise<void> {
    assertCodename(codename);
    await insertIgnoringDuplicates(this.userPermissions, [{ userId, codename }]);
    this.changed(userId);
  }

  /** Revokes a permission granted to a user directly (group grants stay). */
  async revokeFromUser(userId: string, codename: string): Promise<void> {
    await this.userPermissions.delete({ userId, codename });
    this.changed(userId);
  }

  /** Puts a user in a group; through `manager` when given, to make it part of a transaction. */
  async addToGroup(userId: string, groupName: string, manager?: EntityManager): Promise<void> {
    assertGroup(groupName);
    await insertIgnoringDuplicates(
      manager ? manager.withRepository(this.userGroups) : this.userGroups,
      [{ userId, groupName }],
    );
    this.changed(userId);
  }

  /** Takes a user out of a group. */
  async removeFromGroup(userId: string, groupName: string): Promise<void> {
    await this.userGroups.delete({ userId, groupName });
    this.changed(userId);
  }

  /** The permissions granted to a user directly (not through groups), sorted. */
  async directPermissionsOf(userId: string): Promise<string[]> {
    const rows = await this.userPermissions.find({ where: { userId }, order: { codename: 'ASC' } });
    return rows.map((row) => row.codename);
  }

  /** The groups a user is in. */
  async groupsOf(userId: string): Promise<string[]> {
    const rows = await this.userGroups.find({ where: { userId }, order: { groupName: 'ASC' } });
    return rows.map((row) => row.groupName);
  }

  /** The union of a user's direct permissions and those of their groups. */
  async permissionsOfUserId(userId: string): Promise<Set<string>> {
    const [direct, memberships] = await Promise.all([
      this.userPermissions.findBy({ userId }),
      this.userGroups.findBy({ userId }),
    ]);
    const held = new Set(direct.map((grant) => grant.codename));
    if (memberships.length) {
      const viaGroups = await this.groupPermissions.findBy({
        groupName: In(memberships.map((membership) => membership.groupName)),
      });
      for (const grant of viaGroups) held.add(grant.codename);
    }
    return held;
  }

  private changed(userId: string | undefined): void {
    for (const listener of this.listeners) listener(userId);
  }
}

function assertCodename(codename: string): void {
  if (!isPermissionCodename(codename)) {
    throw new ValidationFailedException([
      {
        field: 'permission',
        message: `${JSON.stringify(codename)} is not a permission codename such as "notes.read".`,
      },
    ]);
  }
}

function assertGroup(name: string): void {
  if (!isGroupName(name)) {
    throw new ValidationFailedException([
      { field: 'group', message: 'A group name is 1 to 100 letters, digits, "_", "-" or ".".' },
    ]);
  }
}

/** INSERT ... that skips rows already present (INSERT OR IGNORE / ON CONFLICT DO NOTHING / INSERT IGNORE). */
async function insertIgnoringDuplicates<T extends ObjectLiteral>(
  repository: Repository<T>,
  rows: object[],
): Promise<void> {
  await repository
    .createQueryBuilder()
    .insert()
    .values(rows as never)
    .orIgnore()
    .execute();
}
