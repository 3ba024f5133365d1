import { Optional } from '@nestjs/common';
import { VerifiedEmails } from '../account-flows/verified-emails.js';
import { Command, CommandRunner, InquirerService, Option } from 'nest-commander';
import { AuthException, UsernameTakenException } from '../errors/auth.exception.js';
import { parseRegistration } from '../users/registration-input.js';
import { PasswordPolicy } from '../passwords/password-policy.js';
import { UserService } from '../users/user.service.js';
import { oneLineReason } from './one-line-reason.js';
import { readPassword } from './password-prompt.js';
import { HANDLE_QUESTION_SET } from './handle-prompt.js';

interface CreateSuperuserFlags {
  username?: string;
  email?: string;
  /** False with `--no-input` (commander's negated flag). */
  input?: boolean;
}

/** The environment variable `createsuperuser --no-input` reads the password from. */
const PASSWORD_VARIABLE = 'PORTCULLIS_SUPERUSER_PASSWORD';

/**
 * `createsuperuser --username admin [--email a@x.io] [--no-input]`: creates a user with `isSuperuser`
 * and `isStaff`. The login handle is `--username`, or `--email` when the `usernameField` is `email`
 * (then `--username` sets a `username` column, when the entity has one); without it, a terminal is
 * asked for it by the handle's name. It asks for the password on a terminal; with `--no-input` it
 * reads `PORTCULLIS_SUPERUSER_PASSWORD` instead (for scripts and containers). The password rules
 * (`passwordValidators`) apply. Prints a one-line confirmation on standard error; exits 1 with a
 * one-line reason when the user exists, the password breaks a rule or the input is unusable. With the
 * mail flows on, the address given counts as verified (so `requireVerifiedEmail` lets it sign in).
 */
@Command({
  name: 'createsuperuser',
  description: `Create a superuser (staff too); asks for the password, or with --no-input reads ${PASSWORD_VARIABLE}`,
})
export class CreateSuperuserCommand extends CommandRunner {
  constructor(
    private readonly users: UserService<object>,
    private readonly passwordPolicy: PasswordPolicy,
    // Provided by nest-commander's CommandFactory; absent when the command is built some other way.
    @Optional() private readonly inquirer?: InquirerService,
    // With the mail flows on: the address the operator typed counts as verified.
    @Optional() private readonly verifiedEmails?: VerifiedEmails,
  ) {
    super();
  }

  async run(_arguments: string[], flags: CreateSuperuserFlags): Promise<void> {
    const failure = (reason: string) => {
      process.stderr.write(`createsuperuser: ${reason}\n`);
      process.exitCode = 1;
    };
    for (const column of ['isSuperuser', 'isStaff']) {
      if (!this.users.hasColumn(column)) {
        return failure(`the user entity has no ${column} column`);
      }
    }
    const field = this.users.usernameField;
    // The handle comes in the flag of its own name when it is the email, else in --username; the
    // other flag sets its column when the entity has one.
    const handleFlag = field === 'email' ? 'email' : 'username';
    const otherFlag = field === 'email' ? 'username' : 'email';
    const other = flags[otherFlag];
    if (other !== undefined && !this.users.hasColumn(otherFlag)) {
      return failure(
        `the user entity has no ${otherFlag} column` +
          (field === 'email' ? '; the login handle is the email address: give it as --email' : ''),
      );
    }
    const otherColumn = this.users.repository.metadata.columns.find(
      (c) => c.propertyName === otherFlag,
    );
    if (
      other === undefined &&
      otherColumn &&
      !otherColumn.isNullable &&
      otherColumn.default === undefined
    ) {
      return failure(
        `--${otherFlag} is required too: the user entity's ${otherFlag} column must be set`,
      );
    }
    const asked = await this.handle(flags[handleFlag], flags.input);
    if ('failure' in asked) return failure(asked.failure);
    const handleGiven = asked.handle;
    // Before any prompt: nobody should choose a password only to learn the account exists.
    if (handleGiven.trim() && (await this.users.findByHandle(handleGiven))) {
      return failure(`a user ${handleGiven} already exists`);
    }
    const read = await readPassword({
      input: flags.input,
      variable: PASSWORD_VARIABLE,
      inquirer: this.inquirer,
    });
    if ('failure' in read) return failure(read.failure);
    const { password } = read;
    const column = this.users.repository.metadata.columns.find((c) => c.propertyName === field);
    try {
      // The registration rules apply: a superuser's handle and password obey the same limits.
      const input = parseRegistration(
        { [field]: handleGiven, password, email: field === 'email' ? handleGiven : flags.email },
        {
          usernameField: field,
          handleMaxLength: Number(column?.length) || 254,
          acceptsEmail: true,
        },
      );
      const fields: Record<string, unknown> = {
        [field]: input.handle,
        password: input.password,
        isSuperuser: true,
        isStaff: true,
      };
      if (input.email !== undefined) fields.email = input.email;
      if (field === 'email' && other !== undefined) {
        const problem = this.secondHandleProblem(other);
        if (problem) return failure(problem);
        fields.username = this.users.normalizeHandle(other);
      }
      const handle = this.users.normalizeHandle(input.handle);
      await this.passwordPolicy.assertValid(input.password, {
        handle,
        email: field === 'email' ? handle : input.email,
      });
      const user = await this.users.createUser(fields as { password: string });
      const email = this.users.emailOf(user);
      if (email !== undefined && this.verifiedEmails) {
        await this.verifiedEmails.markVerified(this.users.idOf(user), email);
      }
      process.stderr.write(`Created superuser ${handle} (id ${this.users.idOf(user)}).\n`);
    } catch (error) {
      if (error instanceof UsernameTakenException) {
        const also = other === undefined ? '' : ` or ${other}`;
        return failure(`a user ${handleGiven}${also} already exists`);
      }
      if (error instanceof AuthException) return failure(oneLineReason(error));
      throw error;
    }
  }

  /** The handle from its flag, or asked for by the handle column's name on a terminal. */
  private async handle(
    given: string | undefined,
    input: boolean | undefined,
  ): Promise<{ handle: string } | { failure: string }> {
    if (given !== undefined) return { handle: given };
    const field = this.users.usernameField;
    const flag = field === 'email' ? '--email' : '--username';
    if (input === false || !this.inquirer || !process.stdin.isTTY) {
      return { failure: `${flag} is required (the login handle, ${field})` };
    }
    const answers = await this.inquirer.ask<{ handle: string }>(HANDLE_QUESTION_SET, undefined);
    return { handle: answers.handle ?? '' };
  }

  /** Why a `--username` beside an email handle cannot be stored, if it cannot. */
  private secondHandleProblem(username: string): string | undefined {
    const column = this.users.repository.metadata.columns.find(
      (c) => c.propertyName === 'username',
    );
    const max = Number(column?.length) || 254;
    if (username.trim().length === 0) return 'username must be a non-empty string.';
    if (username.length > max) return `username must be at most ${max} characters.`;
    return undefined;
  }

  @Option({
    flags: '--username <handle>',
    description: 'the login handle (a username column, when the handle is the email)',
  })
  parseUsername(value: string): string {
    return value;
  }

  @Option({
    flags: '--email <address>',
    description: 'the email address: the login handle when usernameField is email',
  })
  parseEmail(value: string): string {
    return value;
  }

  @Option({
    flags: '--no-input',
    description: `do not ask: read the password from ${PASSWORD_VARIABLE}`,
  })
  parseNoInput(): boolean {
    return false;
  }
}
