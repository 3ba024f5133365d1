import { describe, expect, it } from 'vitest';
import { defaultNormalizeHandle } from './user-options.resolver.js';

describe('defaultNormalizeHandle', () => {
  it('trims and lower-cases', () => {
    expect(defaultNormalizeHandle(' Alice@X.io ')).toBe('alice@x.io');
  });

  it('folds fullwidth letters with NFKC', () => {
    expect(defaultNormalizeHandle('Ａｌｉｃｅ')).toBe('alice');
  });
});
