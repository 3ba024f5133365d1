import { describe, expect, it } from 'vitest';
import { isMalformedBearer, quoted, readAuthorization } from './authorization-header.js';

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
