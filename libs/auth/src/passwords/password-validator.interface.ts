/**
 * What a password is checked against besides itself: the account it is for. Each property is a string
 * attribute of the user; validators read the ones they know and ignore the rest.
 *
 * @example
 * ```ts
 * { handle: 'alice', email: 'alice@example.com', firstName: 'Alice' }
 * ```
 */
export interface PasswordUserContext {
  /** The login handle (the `usernameField` value). */
  handle?: string;
  /** The email address, when the account has one. */
  email?: string;
  /** Any other string attribute (`firstName`, `lastName`, `displayName`, ...). */
  [attribute: string]: string | undefined;
}

/**
 * One password rule, run on registration, on change-password and by the `createsuperuser` and
 * `changepassword` commands (Django's `password_validation` is the model). List validators in the
 * `passwordValidators` option.
 *
 * @example
 * ```ts
 * const notTheProductName: PasswordValidator = {
 *   rule: 'product_name',
 *   description: 'Your password must not contain the name of this site.',
 *   validate: (password) =>
 *     /portcullis/i.test(password) ? 'This password contains the name of this site: leave it out.' : null,
 * };
 * ```
 */
export interface PasswordValidator {
  /**
   * A stable identifier of the rule (`minimum_length`, ...), sent to clients in the `rule` of each
   * `invalid_password` detail so they can branch on it. Snake case by convention.
   */
  readonly rule: string;
  /** The rule in one sentence a person can follow, for a sign-up form's help text. */
  readonly description?: string;
  /**
   * Checks a password. Returns `null` when it passes, or what is wrong and how to fix it in words a
   * person can act on. May be async (a breach-list lookup, ...).
   *
   * @param user the account the password is for, when known.
   */
  validate(password: string, user?: PasswordUserContext): string | null | Promise<string | null>;
}
