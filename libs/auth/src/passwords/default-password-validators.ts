import { CommonPasswordValidator } from './common-password.validator.js';
import { MaximumLengthValidator } from './maximum-length.validator.js';
import { MinimumLengthValidator } from './minimum-length.validator.js';
import { NumericPasswordValidator } from './numeric-password.validator.js';
import type { PasswordValidator } from './password-validator.interface.js';
import { UserAttributeSimilarityValidator } from './user-attribute-similarity.validator.js';

/**
 * The validators the `passwordValidators` option defaults to: at least 8 characters, at most
 * `maxPasswordBytes` bytes, not one of the 20,000 most common passwords, not too similar to the
 * account's handle or email address, not only digits. Spread it to add a rule of your own.
 *
 * @example
 * ```ts
 * AuthModule.forRoot({ passwordValidators: [...defaultPasswordValidators(), new NoProductNameValidator()] })
 * ```
 */
export function defaultPasswordValidators(
  options: { maxPasswordBytes?: number } = {},
): PasswordValidator[] {
  return [
    new MinimumLengthValidator(),
    new MaximumLengthValidator(options.maxPasswordBytes),
    new CommonPasswordValidator(),
    new UserAttributeSimilarityValidator(),
    new NumericPasswordValidator(),
  ];
}
