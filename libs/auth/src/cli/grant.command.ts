import { Command, CommandRunner, Option } from 'nest-commander';
import { isGroupName, isPermissionCodename } from '../permissions/permission-codename.js';
import { PermissionService } from '../permissions/permission.service.js';
import { UserService } from '../users/user.service.js';

interface GrantFlags {
  username?: string;
  group?: string;
  permission?: string;
  revoke?: boolean;
}

/**
 * `grant` gives (or with `--revoke` takes back) a permission or a group membership from a shell:
 *
 * - `grant --username alice --permission notes.delete`: a permission, directly to a user;
 * - `grant --group member --permission notes.delete`: a permission to a group (created if missing);
 * - `grant --username alice --group member`: puts a user in an existing group.
 *
 * Prints a one-line confirmation on standard error (standard output stays empty); exits 1 with a
 * one-line reason when it cannot. A server process picks the change up within its `userCache.ttl`.
 */
@Command({
  name: 'grant',
  description:
    'Grant a permission to a user or a group, or put a user in a group (--revoke to undo)',
})
export class GrantCommand extends CommandRunner {
  constructor(
    private readonly users: UserService<object>,
    private readonly grants: PermissionService,
  ) {
    super();
  }

  async run(_arguments: string[], flags: GrantFlags): Promise<void> {
    const failure = (reason: string) => {
      process.stderr.write(`grant: ${reason}\n`);
      process.exitCode = 1;
    };
    const done = (message: string) => process.stderr.write(`${message}\n`);
    const { username, group, permission } = flags;
    const revoke = flags.revoke === true;
    if (username === undefined && group === undefined) {
      return failure('give --username or --group (or both, to put a user in a group)');
    }
    if (username !== undefined && group !== undefined && permission !== undefined) {
      return failure(
        'give --permission with either --username or --group; --username with --group alone manages membership',
      );
    }
    if (permission === undefined && (username === undefined || group === undefined)) {
      return failure('nothing to grant: give --permission, or --username with --group');
    }
    if (permission !== undefined && !isPermissionCodename(permission)) {
      return failure(`${JSON.stringify(permission)} is not a permission codename like notes.read`);
    }
    if (group !== undefined && !isGroupName(group)) {
      return failure(
        `${JSON.stringify(group)} is not a group name (1 to 100 letters, digits, _, - or .)`,
      );
    }

    let userId: string | undefined;
    if (username !== undefined) {
      const user = await this.users.findByHandle(username);
      if (!user) return failure(`no user ${username}`);
      userId = this.users.idOf(user);
    }
    const groupExists = group === undefined ? false : await this.grants.groupExists(group);

    if (userId !== undefined && permission !== undefined) {
      if (revoke) {
        await this.grants.revokeFromUser(userId, permission);
        return void done(`Revoked ${permission} from user ${username}.`);
      }
      await this.grants.grantToUser(userId, permission);
      return void done(`Granted ${permission} to user ${username}.`);
    }
    if (group !== undefined && permission !== undefined) {
      if (revoke) {
        if (!groupExists) return failure(`no group ${group}`);
        await this.grants.revokeFromGroup(group, permission);
        return void done(`Revoked ${permission} from group ${group}.`);
      }
      // Granting to a new group creates it: this is how a group is made from a shell.
      await this.grants.ensureGroup(group, [permission]);
      return void done(
        `Granted ${permission} to group ${group}${groupExists ? '' : ' (group created)'}.`,
      );
    }
    // --username with --group: membership. The group must exist, so a typo never makes a new one.
    if (!groupExists) return failure(`no group ${group}`);
    if (revoke) {
      await this.grants.removeFromGroup(userId!, group!);
      return void done(`Removed user ${username} from group ${group}.`);
    }
    await this.grants.addToGroup(userId!, group!);
    done(`Added user ${username} to group ${group}.`);
  }

  @Option({ flags: '--username <handle>', description: 'the user’s login handle' })
  parseUsername(value: string): string {
    return value;
  }

  @Option({ flags: '--group <name>', description: 'a group name, e.g. member' })
  parseGroup(value: string): string {
    return value;
  }

  @Option({
    flags: '--permission <codename>',
    description: 'a permission codename, e.g. notes.delete',
  })
  parsePermission(value: string): string {
    return value;
  }

  @Option({ flags: '--revoke', description: 'take the permission or membership back instead' })
  parseRevoke(): boolean {
    return true;
  }
}
