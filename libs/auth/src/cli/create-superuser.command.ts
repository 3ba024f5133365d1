import { Optional } from '@nestjs/common';
import { Command, CommandRunner, InquirerService, Option } from 'nest-commander';
import { AuthException, UsernameTakenException } from '../errors/auth.exception.js';
import { parseRegistration } from '../http/registration.js';
import { PasswordPolicy } from '../passwords/password-policy.js';
import { UserService } from '../users/user.service.js';
import { oneLineReason } from './one-line-reason.js';
import { readPassword } from './password-prompt.js';

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
 * and `isStaff`. It asks for the password on a terminal; with `--no-input` it reads
 * `PORTCULLIS_SUPERUSER_PASSWORD` instead (for scripts and containers). The password rules
 * (`passwordValidators`) apply. Prints a one-line confirmation on standard error; exits 1 with a
 * one-line reason when the user exists, the password breaks a rule or the input is unusable.
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
  ) {
    super();
  }

  async run(_arguments: string[], flags: CreateSuperuserFlags): Promise<void> {
    const failure = (reason: string) => {
      process.stderr.write(`createsuperuser: ${reason}\n`);
      process.exitCode = 1;
    };
    if (!flags.username) return failure('--username is required');
    for (const column of ['isSuperuser', 'isStaff']) {
      if (!this.users.hasColumn(column)) {
        return failure(`the user entity has no ${column} column`);
      }
    }
    const field = this.users.usernameField;
    if (flags.email !== undefined && (field === 'email' || !this.users.hasColumn('email'))) {
      return failure(
        field === 'email'
          ? 'the login handle is the email address here: give it as --username'
          : 'the user entity has no email column',
      );
    }
    // Before any prompt: nobody should choose a password only to learn the account exists.
    if (await this.users.findByHandle(flags.username)) {
      return failure(`a user ${flags.username} already exists`);
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
        { [field]: flags.username, password, email: flags.email },
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
      const handle = this.users.normalizeHandle(input.handle);
      await this.passwordPolicy.assertValid(input.password, {
        handle,
        email: field === 'email' ? handle : input.email,
      });
      const user = await this.users.createUser(fields as { password: string });
      process.stderr.write(`Created superuser ${handle} (id ${this.users.idOf(user)}).\n`);
    } catch (error) {
      if (error instanceof UsernameTakenException) {
        return failure(`a user ${flags.username} already exists`);
      }
      if (error instanceof AuthException) return failure(oneLineReason(error));
      throw error;
    }
  }

  @Option({ flags: '--username <handle>', description: 'the login handle' })
  parseUsername(value: string): string {
    return value;
  }

  @Option({ flags: '--email <address>', description: 'an email address, when the entity has one' })
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
