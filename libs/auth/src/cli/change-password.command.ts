import { Optional } from '@nestjs/common';
import { Command, CommandRunner, InquirerService, Option } from 'nest-commander';
import { AuthException } from '../errors/auth.exception.js';
import { AccountService } from '../users/account.service.js';
import { UserService } from '../users/user.service.js';
import { oneLineReason } from './one-line-reason.js';
import { readPassword } from './password-prompt.js';

interface ChangePasswordFlags {
  username?: string;
  /** False with `--no-input` (commander's negated flag). */
  input?: boolean;
}

/** The environment variable `changepassword --no-input` reads the new password from. */
const PASSWORD_VARIABLE = 'PORTCULLIS_PASSWORD';

/**
 * `changepassword --username alice [--no-input]`: sets a user's password from a shell, without the
 * current one (for an administrator, or a locked-out owner with shell access), and ends every session
 * of the user. It asks for the new password on a terminal; with `--no-input` it reads
 * `PORTCULLIS_PASSWORD` instead (for scripts). The password rules (`passwordValidators`) apply. Prints
 * a one-line confirmation on standard error; exits 1 with a one-line reason when the user does not
 * exist, the password breaks a rule or the input is unusable.
 */
@Command({
  name: 'changepassword',
  description: `Set a user's password and end their sessions; asks for it, or with --no-input reads ${PASSWORD_VARIABLE}`,
})
export class ChangePasswordCommand extends CommandRunner {
  constructor(
    private readonly users: UserService<object>,
    private readonly accounts: AccountService<object>,
    // Provided by nest-commander's CommandFactory; absent when the command is built some other way.
    @Optional() private readonly inquirer?: InquirerService,
  ) {
    super();
  }

  async run(_arguments: string[], flags: ChangePasswordFlags): Promise<void> {
    const failure = (reason: string) => {
      process.stderr.write(`changepassword: ${reason}\n`);
      process.exitCode = 1;
    };
    if (!flags.username) return failure('--username is required');
    const user = await this.users.findByHandle(flags.username);
    if (!user) return failure(`no user ${flags.username}`);
    const handle = String((user as Record<string, unknown>)[this.users.usernameField]);
    const read = await readPassword({
      input: flags.input,
      variable: PASSWORD_VARIABLE,
      inquirer: this.inquirer,
      noun: 'new password',
      heading: `Changing the password of ${handle}.`,
    });
    if ('failure' in read) return failure(read.failure);
    const { password } = read;
    try {
      await this.accounts.setPassword(user, password);
    } catch (error) {
      if (error instanceof AuthException) return failure(oneLineReason(error));
      throw error;
    }
    process.stderr.write(`Changed the password of ${handle}; all of their sessions have ended.\n`);
  }

  @Option({ flags: '--username <handle>', description: 'the login handle' })
  parseUsername(value: string): string {
    return value;
  }

  @Option({
    flags: '--no-input',
    description: `do not ask: read the new password from ${PASSWORD_VARIABLE}`,
  })
  parseNoInput(): boolean {
    return false;
  }
}
