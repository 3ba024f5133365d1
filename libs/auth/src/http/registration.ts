import { ValidationFailedException, ValidationProblem } from '../errors/auth.exception.js';

/**
 * The fields of a request body that must be a JSON (or form) object.
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

/** A registration body after validation. */
export interface RegistrationInput {
  handle: string;
  password: string;
  email?: string;
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Validates `POST register`: `{ <usernameField>: string, password: string, email?: string }`. Lists
 * every problem at once.
 *
 * @throws ValidationFailedException
 */
export function parseRegistration(
  body: unknown,
  options: { usernameField: string; handleMaxLength: number; acceptsEmail: boolean },
): RegistrationInput {
  const fields = bodyFields(body);
  const problems: ValidationProblem[] = [];
  const { usernameField, handleMaxLength } = options;
  const handle = fields[usernameField];
  if (typeof handle !== 'string' || handle.trim().length === 0) {
    problems.push({
      field: usernameField,
      message: `${usernameField} must be a non-empty string.`,
    });
  } else if (handle.length > handleMaxLength) {
    problems.push({
      field: usernameField,
      message: `${usernameField} must be at most ${handleMaxLength} characters.`,
    });
  } else if (CONTROL.test(handle)) {
    problems.push({
      field: usernameField,
      message: `${usernameField} must not contain control characters.`,
    });
  } else if (usernameField === 'email' && !EMAIL_SHAPE.test(handle.trim())) {
    problems.push({ field: usernameField, message: 'email must be an email address.' });
  }
  const password = fields.password;
  if (typeof password !== 'string' || password.length === 0) {
    problems.push({ field: 'password', message: 'password must be a non-empty string.' });
  }
  let email: string | undefined;
  if (
    usernameField !== 'email' &&
    options.acceptsEmail &&
    fields.email !== undefined &&
    fields.email !== null
  ) {
    if (
      typeof fields.email !== 'string' ||
      !EMAIL_SHAPE.test(fields.email.trim()) ||
      fields.email.length > 254
    ) {
      problems.push({
        field: 'email',
        message: 'email must be an email address of at most 254 characters.',
      });
    } else {
      email = fields.email.trim();
    }
  }
  if (problems.length) throw new ValidationFailedException(problems);
  return { handle: handle as string, password: password as string, email };
}

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
