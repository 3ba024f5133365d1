import { describe, expect, it } from 'vitest';
import { NumericPasswordValidator } from './numeric-password.validator.js';

describe('NumericPasswordValidator', () => {
  const validator = new NumericPasswordValidator();

  it.each(['20240229', '0000000000', '٣١٤١٥٩٢٦', '３１４１５９２６'])(
    'rejects %s, digits only (any script)',
    (password) => {
      expect(validator.validate(password)).toBe(
        'This password is entirely numeric: add letters or symbols.',
      );
    },
  );

  it.each(['2024-02-29', '1234567a', ' 12345678', 'correct horse battery'])(
    'accepts %s, which has something besides digits',
    (password) => {
      expect(validator.validate(password)).toBeNull();
    },
  );

  it('names its rule', () => {
    expect(validator.rule).toBe('numeric');
    expect(validator.description).toBe('Your password cannot be entirely numeric.');
  });
});
