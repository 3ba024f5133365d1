import { describe, expect, it } from 'vitest';
import { quoted } from './www-authenticate.js';

describe('quoted', () => {
  it('wraps a plain value in double quotes', () => {
    expect(quoted('portcullis')).toBe('"portcullis"');
  });

  it('escapes double quotes and backslashes', () => {
    expect(quoted('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('replaces CR and LF by spaces so the header cannot be split', () => {
    expect(quoted('line1\r\nline2\nline3\rx')).toBe('"line1  line2 line3 x"');
  });
});
