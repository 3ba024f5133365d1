import { AUTH_DEFAULTS } from '../options/auth-defaults.js';
import type { PasswordValidator } from './password-validator.interface.js';

/**
 * Rejects a password longer than `maxBytes` in UTF-8. Whatever the validators, `PasswordHasher` refuses
 * a password over the `maxPasswordBytes` option before hashing; this validator lists that failure with
 * the others, and can set a lower limit.
 *
 * @example
 * ```ts
 * new MaximumLengthValidator(256)
 * ```
 */
export class MaximumLengthValidator implements PasswordValidator {
  /** The `rule` of its failures. */
  readonly rule = 'maximum_length';

  /** @param maxBytes the most UTF-8 bytes accepted. @default 1024 (the `maxPasswordBytes` default) */
  constructor(readonly maxBytes = AUTH_DEFAULTS.maxPasswordBytes) {
    if (!Number.isInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(`MaximumLengthValidator: maxBytes must be an integer >= 1.`);
    }
  }

  /** The rule as help text. */
  get description(): string {
    return `Your password must be at most ${this.maxBytes} bytes long (${this.maxBytes} plain letters, fewer with accents or emoji).`;
  }

  /** A message when the password is too long, else null. */
  validate(password: string): string | null {
    if (Buffer.byteLength(password, 'utf8') <= this.maxBytes) return null;
    return `This password is too long: use at most ${this.maxBytes} bytes (${this.maxBytes} plain letters, fewer with accents or emoji).`;
  }
}
