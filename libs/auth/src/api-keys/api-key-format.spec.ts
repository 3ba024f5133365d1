import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_CHECKSUM_LENGTH,
  API_KEY_ID_LENGTH,
  API_KEY_SECRET_LENGTH,
  ApiKeyFormat,
} from './api-key-format.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_SHAPE = /^pcs_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}$/;

const format = new ApiKeyFormat('pcs');

// Where each part starts in `pcs_<id>_<secret><checksum>`.
const ID_START = 'pcs_'.length;
const SECRET_START = ID_START + API_KEY_ID_LENGTH + 1;
const CHECKSUM_START = SECRET_START + API_KEY_SECRET_LENGTH;
const KEY_LENGTH = CHECKSUM_START + API_KEY_CHECKSUM_LENGTH;

/** `key` with the character at `index` replaced by a different base62 character. */
function substitute(key: string, index: number, offset = 1 + randomInt(BASE62.length - 1)): string {
  const original = BASE62.indexOf(key[index]);
  // A non-base62 original (the prefix's "_") becomes any base62 character; otherwise a different one.
  const replacement =
    original === -1 ? BASE62[offset % BASE62.length] : BASE62[(original + offset) % BASE62.length];
  expect(replacement).not.toBe(key[index]);
  return key.slice(0, index) + replacement + key.slice(index + 1);
}

describe('ApiKeyFormat', () => {
  it('generates keys of the documented shape that parse back to their id and secret', () => {
    for (let i = 0; i < 50; i++) {
      const { key, id, secret } = format.generate();
      expect(key).toMatch(KEY_SHAPE);
      expect(key).toHaveLength(KEY_LENGTH);
      expect(key).not.toContain('.');
      expect(key.slice(ID_START, ID_START + API_KEY_ID_LENGTH)).toBe(id);
      expect(key.slice(SECRET_START, CHECKSUM_START)).toBe(secret);
      expect(format.parse(key)).toEqual({ id, secret });
      expect(format.claims(key)).toBe(true);
    }
  });

  it('generates a different key, id and secret each time', () => {
    const generated = Array.from({ length: 200 }, () => format.generate());
    expect(new Set(generated.map((g) => g.key)).size).toBe(200);
    expect(new Set(generated.map((g) => g.id)).size).toBe(200);
    expect(new Set(generated.map((g) => g.secret)).size).toBe(200);
  });

  it('works with a custom prefix, and the formats do not accept each other’s keys', () => {
    const acme = new ApiKeyFormat('acme');
    const { key, id, secret } = acme.generate();
    expect(key).toMatch(/^acme_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}$/);
    expect(acme.parse(key)).toEqual({ id, secret });
    expect(acme.claims(key)).toBe(true);
    expect(format.parse(key)).toBeUndefined();
    expect(format.claims(key)).toBe(false);
    expect(acme.parse(format.generate().key)).toBeUndefined();
  });

  describe('parse() refuses', () => {
    const { key } = format.generate();

    it.each([
      ['the secret', SECRET_START, CHECKSUM_START],
      ['the checksum', CHECKSUM_START, KEY_LENGTH],
      ['the id', ID_START, ID_START + API_KEY_ID_LENGTH],
    ])('a key with one character of %s changed', (_part, start, end) => {
      const positions = [start, start + 1, Math.floor((start + end) / 2), end - 2, end - 1];
      for (const index of positions) {
        for (const offset of [1, 31, 61]) {
          const changed = substitute(key, index, offset);
          expect(changed).not.toBe(key);
          expect(changed).toHaveLength(key.length);
          expect(format.parse(changed)).toBeUndefined();
        }
      }
    });

    it.each([
      ['truncated by one', key.slice(0, -1)],
      ['truncated to the id', key.slice(0, SECRET_START)],
      ['with one extra character', `${key}a`],
      ['with an extra character inside', `${key.slice(0, 30)}a${key.slice(30)}`],
      ['empty', ''],
      ['with the wrong prefix', `pcx${key.slice(3)}`],
      ['with the prefix in upper case', `PCS${key.slice(3)}`],
      ['without its prefix', key.slice(ID_START)],
      ['10 KB long', `${key}${'a'.repeat(10 * 1024)}`],
      ['10 KB of base62 after the prefix', `pcs_${'A'.repeat(10 * 1024)}`],
      ['with a non-ASCII letter', `${key.slice(0, 20)}é${key.slice(21)}`],
      ['with a non-ASCII digit', `${key.slice(0, 20)}٣${key.slice(21)}`],
      ['with a full-width letter', `${key.slice(0, 20)}Ａ${key.slice(21)}`],
      ['with an emoji', `${key.slice(0, 20)}🔑${key.slice(22)}`],
      ['with surrounding spaces', ` ${key} `],
      ['with a trailing newline', `${key}\n`],
      [
        'a JWT',
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwidHlwIjoiYWNjZXNzIn0.c2lnbmF0dXJlLWJ5dGVz',
      ],
      [
        'a JWT that starts with the prefix',
        `pcs_${'a'.repeat(12)}.${'b'.repeat(20)}.${'c'.repeat(20)}`,
      ],
    ])('a key %s', (_case, candidate) => {
      expect(candidate).not.toBe(key);
      expect(format.parse(candidate)).toBeUndefined();
    });
  });

  it('catches every one of 2000 random single-character substitutions with the checksum', () => {
    const { key } = format.generate();
    let caught = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      // Only the id, secret and checksum: a changed prefix or separator fails the shape, not the CRC.
      const index = [ID_START + randomInt(API_KEY_ID_LENGTH), SECRET_START + randomInt(49)][
        randomInt(2)
      ];
      const changed = substitute(key, index);
      // The substitution keeps the shape, so only the checksum can tell.
      expect(changed).toMatch(KEY_SHAPE);
      if (format.parse(changed) === undefined) caught++;
    }
    // CRC32 detects every error burst of up to 32 bits, so a changed character can never slip through.
    expect(caught).toBe(trials);
  });
});
