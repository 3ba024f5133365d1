import { InquirerService, Question, QuestionSet } from 'nest-commander';

const QUESTION_SET = 'portcullis-password';

/**
 * The questions `createsuperuser` and `changepassword` ask on a terminal: a password, twice, not
 * echoed. List it with the commands among the CLI module's providers; {@link AUTH_COMMANDS} does.
 */
@QuestionSet({ name: QUESTION_SET })
export class PasswordQuestions {
  /** The password, masked. */
  @Question({ type: 'password', name: 'password', message: 'Password:', mask: '*' })
  parsePassword(value: string): string {
    return value;
  }

  /** The same password again, to catch a typo. */
  @Question({ type: 'password', name: 'confirmation', message: 'Password (again):', mask: '*' })
  parseConfirmation(value: string): string {
    return value;
  }
}

/** A password a command read, or the one-line reason it could not. */
export type PasswordInput = { password: string } | { failure: string };

/**
 * The password for a command: from `variable` with `--no-input` (scripts, containers), else asked
 * twice on the terminal, after `heading` (when given) on standard error. Without a terminal to ask
 * on, the reason says to use `--no-input`.
 */
export async function readPassword(options: {
  input: boolean | undefined;
  variable: string;
  inquirer: InquirerService | undefined;
  /** What the password is, in the reasons. @default 'password' */
  noun?: string;
  heading?: string;
}): Promise<PasswordInput> {
  const { input, variable, inquirer, noun = 'password', heading } = options;
  if (input === false) {
    const password = process.env[variable];
    return password ? { password } : { failure: `--no-input needs the ${noun} in ${variable}` };
  }
  if (!inquirer || !process.stdin.isTTY) {
    return {
      failure: `no terminal to ask for the password on: use --no-input and set ${variable}`,
    };
  }
  if (heading) process.stderr.write(`${heading}\n`);
  const answers = await inquirer.ask<{ password: string; confirmation: string }>(
    QUESTION_SET,
    undefined,
  );
  if (answers.password !== answers.confirmation) return { failure: 'the passwords differ' };
  return { password: answers.password };
}
