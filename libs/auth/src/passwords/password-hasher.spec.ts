import { describe, expect, it } from 'vitest';
import * as argon2 from 'argon2';
import { ValidationFailedException } from '../errors/auth.exception.js';
import type { ResolvedPasswordOptions } from '../options/password-options.resolver.js';
import { PasswordHasher } from './password-hasher.js';

const options = {
  passwordHashing: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
  passwordHashingConcurrency: 3,
  maxPasswordBytes: 1024,
} as ResolvedPasswordOptions;

const hasher = new PasswordHasher(options);

function validationError(run: () => void): ValidationFailedException {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedException);
    return error as ValidationFailedException;
  }
  throw new Error('expected a ValidationFailedException');
}

describe('PasswordHasher', () => {
  describe('hash', () => {
    it('records argon2id, version 19 and the configured parameters', async () => {
      const [, id, version, params] = (await hasher.hash('correct horse')).split('$');
      expect(id).toBe('argon2id');
      expect(version).toBe('v=19');
      expect(params.split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);
    });

    // The PHC spec fixes the argon2 order m,t,p; the reference libargon2 decoder (PHP, argon2-cffi,
    // libsodium) rejects any other order, so a hash in another order cannot move to another stack.
    it('returns a PHC string with the parameters in the standard m,t,p order', async () => {
      const hash = await hasher.hash('correct horse');
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    });

    it('salts every hash, so one password hashes differently twice', async () => {
      const [first, second] = await Promise.all([hasher.hash('same'), hasher.hash('same')]);
      expect(first).not.toBe(second);
    });
  });

  describe('verify', () => {
    it('accepts the right password and refuses a wrong one', async () => {
      const hash = await hasher.hash('correct horse');
      expect(await hasher.verify(hash, 'correct horse')).toBe(true);
      expect(await hasher.verify(hash, 'wrong horse')).toBe(false);
    });

    it('never trims: an added trailing space or a trimmed password does not match', async () => {
      const hash = await hasher.hash(' padded secret ');
      expect(await hasher.verify(hash, ' padded secret ')).toBe(true);
      expect(await hasher.verify(hash, ' padded secret  ')).toBe(false);
      expect(await hasher.verify(hash, 'padded secret')).toBe(false);
    });

    it.each(['not-a-hash', '$argon2id$v=19$m=19456,t=2,p=1$bad'])(
      'resolves false, without throwing, for the malformed hash %j',
      async (hash) => {
        await expect(hasher.verify(hash, 'anything')).resolves.toBe(false);
      },
    );

    it('still verifies a hash made with weaker parameters', async () => {
      const weak = await argon2.hash('old password', {
        type: argon2.argon2id,
        memoryCost: 4096,
        timeCost: 1,
        parallelism: 1,
      });
      expect(await hasher.verify(weak, 'old password')).toBe(true);
    });
  });

  describe('verifyDummy', () => {
    it('resolves false', async () => {
      await expect(hasher.verifyDummy('any password')).resolves.toBe(false);
    });
  });

  describe('assertAcceptable', () => {
    it('accepts a password of exactly maxPasswordBytes ASCII bytes', () => {
      expect(() => hasher.assertAcceptable('a'.repeat(1024))).not.toThrow();
    });

    it('rejects a password one byte over maxPasswordBytes with a 400 validation_failed', () => {
      const error = validationError(() => hasher.assertAcceptable('a'.repeat(1025)));
      expect(error.getStatus()).toBe(400);
      expect(error.getResponse()).toMatchObject({
        statusCode: 400,
        error: 'validation_failed',
        details: [{ field: 'password' }],
      });
    });

    it('counts UTF-8 bytes, not characters', () => {
      const password = '€'.repeat(342);
      expect(password).toHaveLength(342);
      expect(Buffer.byteLength(password, 'utf8')).toBe(1026);
      validationError(() => hasher.assertAcceptable(password));
    });

    it.each([
      ['the empty string', ''],
      ['a number', 123],
      ['null', null],
      ['an object', {}],
    ])('rejects %s', (_label, password) => {
      const error = validationError(() => hasher.assertAcceptable(password));
      expect(error.getResponse()).toMatchObject({ statusCode: 400, error: 'validation_failed' });
    });
  });

  describe('needsRehash', () => {
    it('is false for a hash made by this hasher', async () => {
      expect(hasher.needsRehash(await hasher.hash('pw'))).toBe(false);
    });

    it('is true for an argon2id hash with weaker parameters', async () => {
      const weak = await argon2.hash('pw', {
        type: argon2.argon2id,
        memoryCost: 4096,
        timeCost: 1,
        parallelism: 1,
      });
      expect(hasher.needsRehash(weak)).toBe(true);
    });

    it('is true for an argon2i hash with the same parameters', async () => {
      const argon2i = await argon2.hash('pw', { type: argon2.argon2i, ...options.passwordHashing });
      expect(hasher.needsRehash(argon2i)).toBe(true);
    });

    it('is true for a string that is not an argon2 hash', () => {
      expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
      expect(hasher.needsRehash('not-a-hash')).toBe(true);
    });
  });

  describe('concurrency', () => {
    type Limited = { limited<T>(work: () => Promise<T>): Promise<T> };
    const limitedTo = (concurrency: number) =>
      new PasswordHasher({
        ...options,
        passwordHashingConcurrency: concurrency,
      }) as unknown as Limited;

    it('runs at most passwordHashing.concurrency at once, the rest first come first served', async () => {
      const hasher = limitedTo(2);
      const releases: Array<() => void> = [];
      const started: number[] = [];
      let running = 0;
      let most = 0;
      const runs = [0, 1, 2, 3, 4].map((index) =>
        hasher.limited(async () => {
          started.push(index);
          most = Math.max(most, ++running);
          await new Promise<void>((release) => releases.push(release));
          running--;
          return index;
        }),
      );
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      await settle();
      expect(started).toEqual([0, 1]);
      while (releases.length > 0) {
        releases.shift()!();
        await settle();
      }
      expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
      expect(started).toEqual([0, 1, 2, 3, 4]);
      expect(most).toBe(2);
    });

    it('gives a slot back when the work fails', async () => {
      const hasher = limitedTo(1);
      await expect(hasher.limited(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await expect(hasher.limited(() => Promise.resolve('next'))).resolves.toBe('next');
    });

    it('still hashes and verifies with a single slot', async () => {
      const single = new PasswordHasher({ ...options, passwordHashingConcurrency: 1 });
      const hash = await single.hash('correct horse');
      const verdicts = await Promise.all([
        single.verify(hash, 'correct horse'),
        single.verify(hash, 'wrong horse'),
        single.verifyDummy('correct horse'),
      ]);
      expect(verdicts).toEqual([true, false, false]);
    });
  });
});
