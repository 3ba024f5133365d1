import { describe, expect, it } from 'vitest';
import { MinimumLengthValidator } from './minimum-length.validator.js';

describe('MinimumLengthValidator', () => {
  it('rejects a password under 8 characters by default, saying how many are needed', () => {
    const validator = new MinimumLengthValidator();
    expect(validator.validate('seven77')).toBe(
      'This password is too short: use at least 8 characters.',
    );
    expect(validator.validate('')).not.toBeNull();
  });

  it('accepts 8 characters or more', () => {
    const validator = new MinimumLengthValidator();
    expect(validator.validate('eight888')).toBeNull();
    expect(validator.validate('a much longer passphrase')).toBeNull();
  });

  it('counts characters, not UTF-16 units: four emoji are four characters', () => {
    const validator = new MinimumLengthValidator(5);
    expect('🔑🔑🔑🔑'.length).toBe(8);
    expect(validator.validate('🔑🔑🔑🔑')).toContain('at least 5 characters');
    expect(validator.validate('🔑🔑🔑🔑🔑')).toBeNull();
  });

  it('takes another minimum, and describes it', () => {
    const validator = new MinimumLengthValidator(12);
    expect(validator.validate('eleven11111')).toContain('at least 12 characters');
    expect(validator.validate('twelve222222')).toBeNull();
    expect(validator.description).toBe('Your password must contain at least 12 characters.');
    expect(validator.rule).toBe('minimum_length');
  });

  it('refuses a minimum that is not a positive integer', () => {
    expect(() => new MinimumLengthValidator(0)).toThrow(RangeError);
    expect(() => new MinimumLengthValidator(2.5)).toThrow(RangeError);
  });
});
