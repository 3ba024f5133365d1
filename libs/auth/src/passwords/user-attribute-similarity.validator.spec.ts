import { describe, expect, it } from 'vitest';
import { UserAttributeSimilarityValidator } from './user-attribute-similarity.validator.js';

describe('UserAttributeSimilarityValidator', () => {
  const validator = new UserAttributeSimilarityValidator();
  const alice = { handle: 'alice', email: 'alice.smith@example.com' };

  it.each([
    ['alice2024', 'username'],
    ['ALICE!!!', 'username'],
    ['ecila', undefined],
    ['smith1987', 'email address'],
    ['example123', 'email address'],
    ['alice.smith@example', 'email address'],
  ])('judges %s against alice / alice.smith@example.com', (password, attribute) => {
    const verdict = validator.validate(password, alice);
    if (attribute === undefined) expect(verdict).toBeNull();
    else {
      expect(verdict).toBe(
        `This password is too similar to your ${attribute}: choose one that does not resemble it.`,
      );
    }
  });

  it.each(['correct horse battery', 'alicealice-in-wonderland-tea', 'zebra crossing 42'])(
    'accepts %s, which does not resemble the account',
    (password) => {
      expect(validator.validate(password, alice)).toBeNull();
    },
  );

  it('accepts anything when it knows nothing about the user', () => {
    expect(validator.validate('alice2024')).toBeNull();
    expect(validator.validate('alice2024', {})).toBeNull();
  });

  it('says "email address" when the handle is the email address', () => {
    const user = { handle: 'bob@example.org', email: 'bob@example.org' };
    expect(validator.validate('bob@example.org1', user)).toContain('your email address');
  });

  it('reads other attributes it is told to, and names them in words', () => {
    const own = new UserAttributeSimilarityValidator({ attributes: ['companyName'] });
    expect(own.validate('initech99', { companyName: 'Initech', handle: 'peter' })).toBe(
      'This password is too similar to your company name: choose one that does not resemble it.',
    );
    expect(own.validate('peter1234', { companyName: 'Initech', handle: 'peter' })).toBeNull();
    expect(validator.validate('gibbons77', { ...alice, lastName: 'Gibbons' })).toContain(
      'your last name',
    );
  });

  it('refuses more or less as maxSimilarity says', () => {
    const strict = new UserAttributeSimilarityValidator({ maxSimilarity: 0.5 });
    const lax = new UserAttributeSimilarityValidator({ maxSimilarity: 1 });
    expect(strict.validate('alice-in-chains', alice)).not.toBeNull();
    expect(validator.validate('alice-in-chains', alice)).toBeNull();
    expect(lax.validate('alice2024', alice)).toBeNull();
    expect(lax.validate('Alice', alice)).not.toBeNull();
    expect(() => new UserAttributeSimilarityValidator({ maxSimilarity: 0 })).toThrow(RangeError);
  });

  it('stays fast on a huge password', () => {
    const started = performance.now();
    expect(validator.validate('x'.repeat(100_000), alice)).toBeNull();
    expect(performance.now() - started).toBeLessThan(200);
  });
});
