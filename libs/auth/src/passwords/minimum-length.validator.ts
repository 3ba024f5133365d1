import type { PasswordValidator } from './password-validator.interface.js';

/**
 * Rejects a password shorter than `minLength` characters (Unicode code points, so an emoji counts once).
 *
 * @example
 * ```ts
 * new MinimumLengthValidator(12)
 * ```
 */
export class MinimumLengthValidator implements PasswordValidator {
  /** The `rule` of its failures. */
  readonly rule = 'minimum_length';

  /** @param minLength the fewest characters accepted. @default 8 */
  constructor(readonly minLength = 8) {
    if (!Number.isInteger(minLength) || minLength < 1) {
      throw new RangeError(`MinimumLengthValidator: minLength must be an integer >= 1.`);
    }
  }

  /** The rule as help text. */
  get description(): string {
    return `Your password must contain at least ${this.minLength} characters.`;
  }

  /** A message when the password is too short, else null. */
  validate(password: string): string | null {
    if ([...password].length >= this.minLength) return null;
    return `This password is too short: use at least ${this.minLength} characters.`;
  }
}
