import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { describe, expect, it } from 'vitest';
import { passportBearerToken, runsOwnPassportHooks } from './direct-verification.js';

/** The token passport-http-bearer hands its verify callback, or undefined where it fails instead. */
function passportsToken(authorization: string): string | undefined {
  let token: string | undefined;
  const strategy = Object.create(
    new BearerStrategy((presented: string, done: (error: null, user: object) => void) => {
      token = presented;
      done(null, {});
    }),
  ) as { authenticate(request: object): void; success(): void; fail(): void };
  strategy.success = () => undefined;
  strategy.fail = () => {
    token = undefined;
  };
  strategy.authenticate({ headers: { authorization }, query: {}, body: {} });
  return token;
}

describe('passportBearerToken', () => {
  it('reads what passport-http-bearer reads, and fails where it fails', () => {
    // Every header of up to four of these pieces: schemes in any case, spaces, tabs, tokens.
    const pieces = ['Bearer', 'bEaReR', 'Basic', ' ', '  ', '\t', 'a.b.c', 'x y', '.'];
    let headers = [''];
    for (let length = 0; length < 4; length++) {
      headers = [...headers, ...headers.flatMap((head) => pieces.map((piece) => head + piece))];
    }
    for (const authorization of new Set(headers)) {
      expect([authorization, passportBearerToken(authorization)]).toEqual([
        authorization,
        passportsToken(authorization),
      ]);
    }
  });

  it.each([
    ['Bearer a.b.c', 'a.b.c'],
    ['bEaReR a.b.c', 'a.b.c'],
    ['Bearer  a.b.c', undefined],
    ['Bearer\ta.b.c', undefined],
    ['Bearer a.b.c d', undefined],
    ['Bearer ', undefined],
    ['Bearer', undefined],
    ['Basic a.b.c', undefined],
  ])('%j gives %j, as Passport does', (authorization, expected) => {
    expect(passportBearerToken(authorization)).toBe(expected);
    expect(passportsToken(authorization)).toBe(expected);
  });

  it('gives nothing for a missing header', () => {
    expect(passportBearerToken(undefined)).toBeUndefined();
  });
});

describe('runsOwnPassportHooks', () => {
  class Base {
    authenticate(): void {}
    validate(): void {}
  }

  it('is true for the class itself and a subclass that keeps its hooks', () => {
    class Keeps extends Base {}
    expect(runsOwnPassportHooks(new Base(), Base)).toBe(true);
    expect(runsOwnPassportHooks(new Keeps(), Base)).toBe(true);
  });

  it('is false for a subclass that overrides validate() or authenticate()', () => {
    class OwnValidate extends Base {
      override validate(): void {}
    }
    class OwnAuthenticate extends Base {
      override authenticate(): void {}
    }
    expect(runsOwnPassportHooks(new OwnValidate(), Base)).toBe(false);
    expect(runsOwnPassportHooks(new OwnAuthenticate(), Base)).toBe(false);
  });
});
