import { Inject, Injectable } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedPasswordOptions } from '../options/password-options.resolver.js';
import type { ResolvedUserOptions } from '../options/user-options.resolver.js';
import { InvalidPasswordException, type PasswordProblem } from '../errors/auth.exception.js';
import type { PasswordUserContext, PasswordValidator } from './password-validator.interface.js';

/**
 * Runs the `passwordValidators` on a new password (registration, change-password, the
 * `createsuperuser` and `changepassword` commands) and reports every rule that fails at once.
 *
 * @example
 * ```ts
 * await policy.assertValid(password, { handle: 'alice', email: 'alice@example.com' });
 * ```
 */
@Injectable()
export class PasswordPolicy {
  constructor(
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedPasswordOptions, 'passwordValidators'> &
      Pick<ResolvedUserOptions, 'usernameField'>,
  ) {}

  /** The configured validators, in order. */
  get validators(): readonly PasswordValidator[] {
    return this.options.passwordValidators;
  }

  /** The rules as sentences, for a sign-up form's help text (validators without a description are left out). */
  describe(): string[] {
    return this.validators.flatMap((validator) =>
      validator.description ? [validator.description] : [],
    );
  }

  /**
   * Every rule the password fails, in the order of the validators; empty when it passes.
   *
   * @param field the body field named in each problem.
   */
  async problems(
    password: string,
    user?: PasswordUserContext,
    field = 'password',
  ): Promise<PasswordProblem[]> {
    const verdicts = await Promise.all(
      this.validators.map(async (validator) => ({
        rule: validator.rule,
        message: await validator.validate(password, user),
      })),
    );
    return verdicts.flatMap(({ rule, message }) =>
      message === null || message === undefined ? [] : [{ field, rule, message }],
    );
  }

  /**
   * Throws when the password fails any rule.
   *
   * @param field the body field named in each problem.
   * @throws InvalidPasswordException (400 `invalid_password`) listing every failed rule.
   */
  async assertValid(
    password: string,
    user?: PasswordUserContext,
    field = 'password',
  ): Promise<void> {
    const problems = await this.problems(password, user, field);
    if (problems.length) throw new InvalidPasswordException(problems);
  }

  /**
   * The context of an existing user entity: its handle (the `usernameField` value) and its other
   * string properties (`email`, `firstName`, ...), never the password hash.
   */
  contextOf(user: object): PasswordUserContext {
    const context: PasswordUserContext = {};
    for (const [name, value] of Object.entries(user)) {
      if (typeof value === 'string' && name !== 'passwordHash') context[name] = value;
    }
    const handle = (user as Record<string, unknown>)[this.options.usernameField];
    if (typeof handle === 'string') context.handle = handle;
    return context;
  }
}
