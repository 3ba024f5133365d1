import { ValidationFailedException } from '../errors/auth.exception.js';
import { EMAIL_SHAPE } from '../users/registration-input.js';

/**
 * An email address from a request body, trimmed.
 *
 * @throws ValidationFailedException naming `field` when it is not an address of at most 254 characters.
 */
export function parseEmail(value: unknown, field: string): string {
  const email = typeof value === 'string' ? value.trim() : '';
  if (!EMAIL_SHAPE.test(email) || email.length > 254) {
    throw new ValidationFailedException([
      { field, message: `${field} must be an email address of at most 254 characters.` },
    ]);
  }
  return email;
}

/** The comparable form of an address: trimmed and lower-cased. */
export function mailKey(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}
