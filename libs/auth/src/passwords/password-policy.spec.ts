import { describe, expect, it } from 'vitest';
import { InvalidPasswordException } from '../errors/auth.exception.js';
import { defaultPasswordValidators } from './default-password-validators.js';
import { PasswordPolicy } from './password-policy.js';
import type { PasswordValidator } from './password-validator.interface.js';

function policy(passwordValidators: PasswordValidator[], usernameField = 'username') {
  return new PasswordPolicy({ passwordValidators, usernameField });
}

describe('PasswordPolicy', () => {
  const defaults = policy(defaultPasswordValidators());

  it('lists every rule a password fails, in the order of the validators', async () => {
    expect(await defaults.problems('123456', { handle: '123456' })).toEqual([
      { field: 'password', rule: 'minimum_length', message: expect.stringContaining('too short') },
      { field: 'password', rule: 'common', message: expect.stringContaining('too common') },
      {
        field: 'password',
        rule: 'user_attribute_similarity',
        message: expect.stringContaining('too similar to your username'),
      },
      { field: 'password', rule: 'numeric', message: expect.stringContaining('entirely numeric') },
    ]);
  });

  it('throws one InvalidPasswordException with all of them, under the field given', async () => {
    const error = await defaults.assertValid('1234567', undefined, 'new_password').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(InvalidPasswordException);
    const exception = error as InvalidPasswordException;
    expect(exception.getStatus()).toBe(400);
    expect(exception.problems.map((problem) => [problem.field, problem.rule])).toEqual([
      ['new_password', 'minimum_length'],
      ['new_password', 'common'],
      ['new_password', 'numeric'],
    ]);
    expect(exception.getResponse()).toEqual({
      statusCode: 400,
      error: 'invalid_password',
      message: exception.problems.map((problem) => problem.message).join(' '),
      details: exception.problems,
    });
  });

  it('passes a good password', async () => {
    await expect(
      defaults.assertValid('correct horse battery', { handle: 'alice' }),
    ).resolves.toBeUndefined();
  });

  it('runs no rule at all when there are no validators', async () => {
    await expect(policy([]).assertValid('1')).resolves.toBeUndefined();
  });

  it('awaits async validators and hands them the user', async () => {
    const seen: unknown[] = [];
    const breached: PasswordValidator = {
      rule: 'breached',
      validate: async (password, user) => {
        seen.push(user);
        return password === 'Tr0ub4dor&3' ? 'This password appeared in a data breach.' : null;
      },
    };
    const own = policy([breached]);
    expect(await own.problems('Tr0ub4dor&3', { handle: 'x' })).toEqual([
      { field: 'password', rule: 'breached', message: 'This password appeared in a data breach.' },
    ]);
    expect(seen).toEqual([{ handle: 'x' }]);
  });

  it('describes the rules that have a description', () => {
    expect(defaults.describe()).toEqual([
      'Your password must contain at least 8 characters.',
      'Your password must be at most 1024 bytes long (1024 plain letters, fewer with accents or emoji).',
      'Your password cannot be a commonly used password.',
      'Your password cannot be too similar to your other personal information.',
      'Your password cannot be entirely numeric.',
    ]);
    expect(policy([{ rule: 'quiet', validate: () => null }]).describe()).toEqual([]);
  });

  it('builds the context of a user entity: the handle and string attributes, never the hash', () => {
    const user = {
      id: 7,
      email: 'dana@example.com',
      firstName: 'Dana',
      passwordHash: '$argon2id$...',
      isActive: true,
    };
    expect(policy([], 'email').contextOf(user)).toEqual({
      email: 'dana@example.com',
      firstName: 'Dana',
      handle: 'dana@example.com',
    });
  });
});
