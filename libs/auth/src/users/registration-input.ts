import type { RegistrationFieldValue, RegistrationValidator } from '../auth.options.js';
import { bodyFields } from '../common/body-fields.js';
import { ValidationFailedException, ValidationProblem } from '../errors/auth.exception.js';
import { LIBRARY_USER_COLUMNS, type RegistrationFieldRule } from './user-entity-contract.js';

// How a registration is read and checked, whoever sends it: `POST register` and `createsuperuser`
// hold a handle and a password to the same rules, so this sits below both http/ and cli/.

/** A registration after validation. */
export interface RegistrationInput {
  handle: string;
  password: string;
  email?: string;
  /** The `registration.fields` the body set, checked against their columns. */
  extra: Record<string, RegistrationFieldValue>;
}

/** A loose email shape: something, an @, something, no spaces. Internal. */
export const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Validates a registration: `{ <usernameField>: string, password: string, email?: string }` and
 * the columns of `extraFields` (others are ignored), as `POST register` receives it or
 * `createsuperuser` assembles it. Lists every problem at once.
 *
 * @throws ValidationFailedException
 */
export function parseRegistration(
  body: unknown,
  options: {
    usernameField: string;
    handleMaxLength: number;
    acceptsEmail: boolean;
    /** An address is required (`requireVerifiedEmail`: without one, nobody could sign in). */
    requiresEmail?: boolean;
    extraFields?: readonly RegistrationFieldRule[];
  },
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
  } else if (usernameField !== 'email' && options.requiresEmail) {
    problems.push({
      field: 'email',
      message: 'email is required: the account signs in only once it confirms its address.',
    });
  }
  const extra: Record<string, RegistrationFieldValue> = {};
  for (const rule of options.extraFields ?? []) {
    // The option is checked at boot; this keeps a privileged column out even if a rule slipped by.
    if (LIBRARY_USER_COLUMNS.has(rule.name)) continue;
    if (!Object.hasOwn(fields, rule.name)) {
      if (rule.required) problems.push({ field: rule.name, message: `${rule.name} is required.` });
      continue;
    }
    const problem = fieldProblem(rule, fields[rule.name]);
    if (problem) problems.push({ field: rule.name, message: problem });
    else extra[rule.name] = fields[rule.name] as RegistrationFieldValue;
  }
  if (problems.length) throw new ValidationFailedException(problems);
  return { handle: handle as string, password: password as string, email, extra };
}

/** What is wrong with `value` for the column of `rule`, or undefined when it fits. */
function fieldProblem(rule: RegistrationFieldRule, value: unknown): string | undefined {
  const { name } = rule;
  if (value === null) return rule.nullable ? undefined : `${name} must not be null.`;
  if (rule.values && !rule.values.includes(value)) {
    return `${name} must be one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}.`;
  }
  switch (rule.kind) {
    case 'string':
      if (typeof value !== 'string') return `${name} must be a string.`;
      if (rule.maxLength !== undefined && [...value].length > rule.maxLength) {
        return `${name} must be at most ${rule.maxLength} characters.`;
      }
      // PostgreSQL refuses NUL in text; other control characters (a newline) are the app's call.
      return value.includes('\u0000') ? `${name} must not contain NUL characters.` : undefined;
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : `${name} must be an integer.`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : `${name} must be a number.`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${name} must be true or false.`;
  }
}

/**
 * Runs the app's `registration.validate` hook over the parsed registration.
 *
 * @throws ValidationFailedException listing the hook's problems.
 */
export async function checkWithHook(
  validate: RegistrationValidator | undefined,
  input: RegistrationInput,
  usernameField: string,
): Promise<void> {
  if (!validate) return;
  const problems = await validate(Object.freeze({ ...input.extra }), {
    handle: input.handle,
    email: usernameField === 'email' ? input.handle : input.email,
  });
  if (problems === undefined || (Array.isArray(problems) && problems.length === 0)) return;
  // Accepting on a malformed answer would let through what the hook meant to refuse.
  if (!Array.isArray(problems)) throw new TypeError('registration.validate returned no list.');
  throw new ValidationFailedException(
    problems.map((problem) => ({ field: String(problem.field), message: String(problem.message) })),
  );
}
