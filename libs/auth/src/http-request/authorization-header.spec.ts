import { describe, expect, it } from 'vitest';
import {
  bearerCredential,
  isB64Token,
  isMalformedBearer,
  readAuthorization,
} from './authorization-header.js';

describe('readAuthorization', () => {
  it('returns the scheme lower-cased and the credentials', () => {
    expect(readAuthorization({ headers: { authorization: 'Bearer abc.def.ghi' } })).toEqual({
      scheme: 'bearer',
      credentials: 'abc.def.ghi',
    });
  });

  it('trims the credentials and the header', () => {
    expect(
      readAuthorization({ headers: { authorization: '  BASIC   YWxpY2U6c2VjcmV0  ' } }),
    ).toEqual({ scheme: 'basic', credentials: 'YWxpY2U6c2VjcmV0' });
  });

  it('keeps the case of the credentials', () => {
    expect(readAuthorization({ headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } })).toEqual({
      scheme: 'basic',
      credentials: 'YWxpY2U6c2VjcmV0',
    });
  });

  it('returns empty credentials for a scheme alone', () => {
    expect(readAuthorization({ headers: { authorization: 'Bearer' } })).toEqual({
      scheme: 'bearer',
      credentials: '',
    });
  });

  it('returns undefined when the header is absent', () => {
    expect(readAuthorization({ headers: {} })).toBeUndefined();
    expect(readAuthorization({ headers: { authorization: undefined } })).toBeUndefined();
  });

  it('returns undefined when the header is not a string', () => {
    expect(
      readAuthorization({ headers: { authorization: ['Bearer a', 'Bearer b'] } }),
    ).toBeUndefined();
  });

  it('returns undefined when the header is empty or blank', () => {
    expect(readAuthorization({ headers: { authorization: '' } })).toBeUndefined();
    expect(readAuthorization({ headers: { authorization: '   ' } })).toBeUndefined();
  });
});

describe('isMalformedBearer', () => {
  it('accepts Bearer and one b64token, in any case of the scheme', () => {
    for (const value of ['Bearer abc', 'bearer a.b.c', 'BEARER  A-._~+/z==', 'Bearer pcs_ab_cd']) {
      expect(isMalformedBearer(value)).toBe(false);
    }
  });

  it('refuses no token, two tokens and characters outside b64token', () => {
    for (const value of [
      'Bearer',
      'Bearer ',
      'Bearer a b',
      'Bearer\tabc',
      'Bearer a!',
      'Bearer =a',
    ]) {
      expect(isMalformedBearer(value)).toBe(true);
    }
  });

  it('leaves other schemes and absent headers alone', () => {
    for (const value of [
      undefined,
      ['Bearer a', 'Bearer b'],
      'Basic a b',
      'Bearerx abc',
      'Digest x',
    ]) {
      expect(isMalformedBearer(value)).toBe(false);
    }
  });
});

describe('bearerCredential', () => {
  it.each([
    ['Bearer a.b.c', 'a.b.c'],
    ['bEaReR a.b.c', 'a.b.c'],
    ['Bearer   a.b.c', 'a.b.c'],
    ['Bearer a.b.c d', 'a.b.c d'],
    ['Bearer ', ''],
  ])('%j gives %j', (authorization, expected) => {
    expect(bearerCredential(authorization)).toBe(expected);
  });

  it.each([
    ['Bearer'],
    ['Bearer\ta.b.c'],
    ['Basic a.b.c'],
    ['Bearerx a'],
    [undefined],
    [['Bearer a']],
  ])('%j is not a Bearer credential', (authorization) => {
    expect(bearerCredential(authorization)).toBeUndefined();
  });
});

describe('isB64Token', () => {
  it('agrees with isMalformedBearer on every credential after "Bearer "', () => {
    const pieces = ['a', 'Z', '0', '-', '.', '_', '~', '+', '/', '=', ' ', '!', '\t', 'é', ''];
    let credentials = [''];
    for (let length = 0; length < 3; length++) {
      credentials = credentials.flatMap((head) => pieces.map((piece) => head + piece));
    }
    // bearerCredential has taken the spaces after "Bearer" off already.
    for (const credential of new Set(credentials.filter((c) => !c.startsWith(' ')))) {
      expect([credential, isB64Token(credential)]).toEqual([
        credential,
        !isMalformedBearer(`Bearer ${credential}`),
      ]);
    }
  });
});
