import { ValidationFailedException } from '../errors/auth.exception.js';

/**
 * The fields of an input that must be an object: a JSON (or form) request body, or what a command
 * assembled from its flags. Internal.
 *
 * @throws ValidationFailedException for an array, a scalar or no body.
 */
export function bodyFields(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationFailedException([
      { field: 'body', message: 'The body must be a JSON object.' },
    ]);
  }
  return body as Record<string, unknown>;
}
