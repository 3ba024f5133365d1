import type { PasswordValidator } from './password-validator.interface.js';

/** Any script's decimal digits, as Django's `str.isdigit()` sees them. */
const ALL_DIGITS = /^\p{Nd}+$/u;

/**
 * Rejects a password made only of digits: a PIN-like password falls to a search of every number of
 * its length.
 */
export class NumericPasswordValidator implements PasswordValidator {
  /** The `rule` of its failures. */
  readonly rule = 'numeric';

  /** The rule as help text. */
  readonly description = 'Your password cannot be entirely numeric.';

  /** A message when the password is all digits, else null. */
  validate(password: string): string | null {
    if (!ALL_DIGITS.test(password)) return null;
    return 'This password is entirely numeric: add letters or symbols.';
  }
}
