import { Command, CommandRunner, Option } from 'nest-commander';
import { ApiKeyService } from '../api-keys/api-key.service.js';
import { isPermissionCodename } from '../permissions/permission-codename.js';
import { UserService } from '../users/user.service.js';
import { parseDuration } from './duration.js';

interface CreateApiKeyFlags {
  username?: string;
  label?: string;
  scopes?: string[];
  expiresIn?: number;
}

/**
 * `create-api-key --username alice --label ci [--scopes notes.read,notes.write] [--expires-in 30d]`:
 * creates a key for a user and prints it, once, on standard output. Exits 1 with a one-line reason on
 * standard error when it cannot.
 */
@Command({
  name: 'create-api-key',
  description: 'Create an API key for a user and print it once',
})
export class CreateApiKeyCommand extends CommandRunner {
  constructor(
    private readonly users: UserService<object>,
    private readonly keys: ApiKeyService<object>,
  ) {
    super();
  }

  async run(_arguments: string[], flags: CreateApiKeyFlags): Promise<void> {
    const failure = (reason: string) => {
      process.stderr.write(`create-api-key: ${reason}\n`);
      process.exitCode = 1;
    };
    if (!flags.username) return failure('--username is required');
    if (!flags.label || flags.label.length > 100) {
      return failure('--label is required (at most 100 characters)');
    }
    const scopes = flags.scopes ?? [];
    const badScope = scopes.find((scope) => !isPermissionCodename(scope));
    if (badScope !== undefined)
      return failure(`${badScope} is not a permission codename like notes.read`);
    if (flags.expiresIn !== undefined && Number.isNaN(flags.expiresIn)) {
      return failure('--expires-in must look like 30d, 12h, 45m or 2w');
    }
    const user = await this.users.findByHandle(flags.username);
    if (!user) return failure(`no user ${flags.username}`);
    const expiresAt =
      flags.expiresIn === undefined ? null : new Date(Date.now() + flags.expiresIn * 1000);
    const { key, record } = await this.keys.createKey(this.users.idOf(user), {
      label: flags.label,
      scopes,
      expiresAt,
    });
    process.stdout.write(`${key}\n`);
    process.stderr.write(
      `Created API key ${record.id} (${record.label}) for ${flags.username}. It is shown only once.\n`,
    );
  }

  @Option({ flags: '--username <handle>', description: 'the owner’s login handle' })
  parseUsername(value: string): string {
    return value;
  }

  @Option({ flags: '--label <label>', description: 'a name for the key, e.g. ci' })
  parseLabel(value: string): string {
    return value;
  }

  @Option({ flags: '--scopes <codenames>', description: 'comma-separated permission codenames' })
  parseScopes(value: string, previous: string[] = []): string[] {
    return [
      ...previous,
      ...value
        .split(',')
        .map((scope) => scope.trim())
        .filter(Boolean),
    ];
  }

  @Option({ flags: '--expires-in <duration>', description: 'lifetime such as 30d, 12h, 2w' })
  parseExpiresIn(value: string): number {
    return parseDuration(value) ?? Number.NaN;
  }
}
