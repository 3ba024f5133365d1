import { describe, expect, it } from 'vitest';
import { decodeBasicCredentials } from './basic-credentials.js';

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('decodeBasicCredentials', () => {
  it('decodes user-id and password', () => {
    expect(decodeBasicCredentials(base64('alice:secret'))).toEqual({
      username: 'alice',
      password: 'secret',
    });
  });

  it('splits at the first colon, so a password may contain colons', () => {
    expect(decodeBasicCredentials(base64('alice:pa:ss'))).toEqual({
      username: 'alice',
      password: 'pa:ss',
    });
  });

  it('allows an empty password', () => {
    expect(decodeBasicCredentials(base64('alice:'))).toEqual({ username: 'alice', password: '' });
  });

  it('decodes a UTF-8 user-id and password', () => {
    expect(decodeBasicCredentials(base64('jürgen:pässwörd'))).toEqual({
      username: 'jürgen',
      password: 'pässwörd',
    });
  });

  it('decodes emoji (characters outside the BMP)', () => {
    expect(decodeBasicCredentials(base64('🦊fox:🔑key🔑'))).toEqual({
      username: '🦊fox',
      password: '🔑key🔑',
    });
  });

  it.each([
    ['the empty string', ''],
    ['characters outside the base64 alphabet', '@@@'],
    ['base64 whose length is not a multiple of 4', 'YWxpY2U6c2VjcmV'],
    ['base64 of text without a colon', base64('alice')],
    ['base64 of invalid UTF-8 bytes', Buffer.from([0xff, 0xfe, 0x3a, 0x61]).toString('base64')],
  ])('returns null for %s', (_label, credentials) => {
    expect(decodeBasicCredentials(credentials)).toBeNull();
  });
});
