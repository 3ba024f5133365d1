import { describe, expect, it } from 'vitest';
import { MaximumLengthValidator } from './maximum-length.validator.js';

describe('MaximumLengthValidator', () => {
  it('accepts up to 1024 bytes by default and rejects more, naming the limit', () => {
    const validator = new MaximumLengthValidator();
    expect(validator.validate('p'.repeat(1024))).toBeNull();
    expect(validator.validate('p'.repeat(1025))).toBe(
      'This password is too long: use at most 1024 bytes (1024 plain letters, fewer with accents or emoji).',
    );
  });

  it('counts UTF-8 bytes: 342 euro signs are 1026 bytes', () => {
    const validator = new MaximumLengthValidator();
    expect(validator.validate('€'.repeat(341))).toBeNull();
    expect(validator.validate('€'.repeat(342))).toContain('at most 1024 bytes');
  });

  it('takes a lower limit, and describes it', () => {
    const validator = new MaximumLengthValidator(16);
    expect(validator.validate('sixteen letters!')).toBeNull();
    expect(validator.validate('seventeen letters')).toContain('at most 16 bytes');
    expect(validator.description).toContain('at most 16 bytes');
    expect(validator.rule).toBe('maximum_length');
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new MaximumLengthValidator(-1)).toThrow(RangeError);
  });
});
