import { bodyFields } from '../common/body-fields.js';
import { ValidationFailedException, ValidationProblem } from '../errors/auth.exception.js';

/**
 * Checks that a body is an object whose `names` are all non-empty strings, listing every missing one.
 *
 * @throws ValidationFailedException
 */
export function requireStringFields<K extends string>(
  body: unknown,
  names: readonly K[],
): Record<K, string> {
  const fields = bodyFields(body);
  const problems: ValidationProblem[] = names
    .filter((name) => typeof fields[name] !== 'string' || (fields[name] as string).length === 0)
    .map((name) => ({ field: name, message: `${name} must be a non-empty string.` }));
  if (problems.length) throw new ValidationFailedException(problems);
  return fields as Record<K, string>;
}
