import 'reflect-metadata';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthConfigurationError } from '../errors/auth.exception.js';
import { MaximumLengthValidator } from '../passwords/maximum-length.validator.js';
import type { AuthModuleOptions } from './auth.options.js';
import { resolveAuthOptions } from './resolve-auth-options.js';
import { resolveStructuralOptions } from './structural-options.resolver.js';
import { defaultNormalizeHandle } from './user-options.resolver.js';

const SECRET = 'x'.repeat(32);

function configurationError(run: () => unknown): AuthConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthConfigurationError);
    return error as AuthConfigurationError;
  }
  throw new Error('expected an AuthConfigurationError');
}

describe('resolveAuthOptions', () => {
  const structural = resolveStructuralOptions();

  const resolve = (options: AuthModuleOptions | undefined, env: NodeJS.ProcessEnv = {}) =>
    resolveAuthOptions(options, structural, env);

  it('applies the documented defaults', () => {
    const resolved = resolve(undefined, { AUTH_JWT_SECRET: SECRET });
    expect(resolved).toMatchObject({
      ...structural,
      usernameField: 'username',
      jwt: { issuer: 'portcullis', audience: 'portcullis', accessTokenTtl: 900, leeway: 30 },
      passwordHashing: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      maxPasswordBytes: 1024,
      realm: 'portcullis',
      loginUrl: '/login',
      htmlNegotiation: false,
    });
    expect(resolved.normalizeHandle).toBe(defaultNormalizeHandle);
  });

  it('has no session limit by default and takes a positive integer', () => {
    expect(resolve({ jwt: { secret: SECRET } }).maxSessionsPerUser).toBeUndefined();
    expect(resolve({ jwt: { secret: SECRET }, maxSessionsPerUser: 3 }).maxSessionsPerUser).toBe(3);
  });

  it('stops the boot for a session limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, 2 ** 60, '2', null]) {
      const error = configurationError(() =>
        resolve({ jwt: { secret: SECRET }, maxSessionsPerUser: bad as number }),
      );
      expect(error.problems).toEqual([
        expect.stringMatching(/^maxSessionsPerUser must be a positive integer/),
      ]);
    }
  });

  it('reads the secret from AUTH_JWT_SECRET when jwt.secret is absent', () => {
    const resolved = resolve({}, { AUTH_JWT_SECRET: SECRET });
    expect(resolved.jwt.signingKey.verifyKey.type).toBe('secret');
    expect(resolved.jwt.signingKey.verifyKey.export().toString('utf8')).toBe(SECRET);
  });

  it('prefers jwt.secret over AUTH_JWT_SECRET', () => {
    const own = 'y'.repeat(40);
    const resolved = resolve({ jwt: { secret: own } }, { AUTH_JWT_SECRET: SECRET });
    expect(resolved.jwt.signingKey.verifyKey.export().toString('utf8')).toBe(own);
  });

  it('names AUTH_JWT_SECRET when no secret is given', () => {
    const error = configurationError(() => resolve({}, {}));
    expect(error.message).toContain('AUTH_JWT_SECRET');
  });

  it('rejects a 31-byte secret, saying 31 bytes and 32', () => {
    const error = configurationError(() => resolve({ jwt: { secret: 'x'.repeat(31) } }));
    expect(error.message).toContain('31 bytes');
    expect(error.message).toContain('at least 32 bytes');
  });

  it('accepts a 32-byte string secret', () => {
    expect(resolve({ jwt: { secret: SECRET } }).jwt.signingKey.verifyKey.symmetricKeySize).toBe(32);
  });

  it('measures a string secret in UTF-8 bytes', () => {
    const secret = 'é'.repeat(16);
    expect(Buffer.byteLength(secret, 'utf8')).toBe(32);
    expect(resolve({ jwt: { secret } }).jwt.signingKey.verifyKey.symmetricKeySize).toBe(32);
  });

  it('accepts a 32-byte Buffer', () => {
    const secret = Buffer.alloc(32, 7);
    expect(resolve({ jwt: { secret } }).jwt.signingKey.verifyKey.export().equals(secret)).toBe(
      true,
    );
  });

  it('accepts a secret KeyObject as is', () => {
    const secret = createSecretKey(Buffer.alloc(32, 9));
    expect(resolve({ jwt: { secret } }).jwt.signingKey.verifyKey).toBe(secret);
  });

  it('rejects an RSA public KeyObject', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const error = configurationError(() => resolve({ jwt: { secret: publicKey } }));
    expect(error.message).toContain('secret (symmetric) KeyObject');
  });

  it('lists every problem at once', () => {
    const error = configurationError(() =>
      resolve({
        jwt: { secret: 'short', accessTokenTtl: -5 },
        usernameField: 'bad field',
      }),
    );
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('jwt.secret is 5 bytes');
    expect(error.message).toContain('jwt.accessTokenTtl must be an integer >= 1; got -5');
    expect(error.message).toContain('usernameField must be the name of an entity property');
  });

  it('defaults passwordValidators to the five built-ins, the longest at maxPasswordBytes', () => {
    const rules = (options: AuthModuleOptions) =>
      resolve({ jwt: { secret: SECRET }, ...options }).passwordValidators.map((v) => v.rule);
    expect(rules({})).toEqual([
      'minimum_length',
      'maximum_length',
      'common',
      'user_attribute_similarity',
      'numeric',
    ]);
    const [, maximum] = resolve({
      jwt: { secret: SECRET },
      maxPasswordBytes: 64,
    }).passwordValidators;
    expect(maximum).toBeInstanceOf(MaximumLengthValidator);
    expect((maximum as MaximumLengthValidator).maxBytes).toBe(64);
    expect(rules({ passwordValidators: [] })).toEqual([]);
  });

  it('names a passwordValidators entry that is not a validator', () => {
    const error = configurationError(() =>
      resolve({
        jwt: { secret: SECRET },
        passwordValidators: [{ rule: 'ok', validate: () => null }, { rule: '' } as never],
      }),
    );
    expect(error.problems).toEqual([
      expect.stringContaining('passwordValidators[1] must be a PasswordValidator'),
    ]);
  });
});
