import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from './safe-redirect-path.js';

describe('safeRedirectPath', () => {
  it.each(['/dashboard', '/dashboard?tab=2&x=%2F', '/a/b#frag'])(
    'keeps the same-site path %j unchanged',
    (path) => {
      expect(safeRedirectPath(path)).toBe(path);
    },
  );

  it.each([
    ['a scheme-relative URL', '//evil.example'],
    ['a triple-slash URL', '///evil.example'],
    ['an absolute https URL', 'https://evil.example'],
    ['an http URL with one slash', 'http:/evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a slash-backslash path', '/\\evil.example'],
    ['a backslash-slash path', '\\/evil.example'],
    ['a path with a tab browsers strip', '/\t/evil.example'],
    ['a path with a newline browsers strip', '/\n/evil.example'],
    ['a path with a leading space', ' /dashboard'],
    ['the empty string', ''],
    ['a relative path', 'dashboard'],
  ])('drops %s', (_label, path) => {
    expect(safeRedirectPath(path)).toBeUndefined();
  });

  it.each([
    ['undefined', undefined],
    ['a number', 42],
    ['an object', {}],
    ['an array holding a path', ['/x']],
  ])('drops %s (not a string)', (_label, value) => {
    expect(safeRedirectPath(value)).toBeUndefined();
  });

  it('drops a path of 3000 characters', () => {
    const path = `/${'a'.repeat(2999)}`;
    expect(path).toHaveLength(3000);
    expect(safeRedirectPath(path)).toBeUndefined();
  });
});
