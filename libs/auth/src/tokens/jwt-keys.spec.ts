import 'reflect-metadata';
import {
  createHash,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import type { AuthModuleOptions } from '../auth.options.js';
import { resolveAuthOptions, resolveStructuralOptions } from '../auth.resolved-options.js';
import { AuthConfigurationError } from '../errors/auth.exception.js';
import { resolveJwtKeys, type JwtAlgorithm, type JwtKeyOptions } from './jwt-keys.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const rsaPss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed25519 = generateKeyPairSync('ed25519');

const privatePem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const publicPem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string;
const jwkOf = (key: KeyObject) => key.export({ format: 'jwk' });

/** The private members of an RSA, EC or OKP JWK (RFC 7518 section 6), none of which may be published. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function resolve(keys: JwtKeyOptions[]) {
  const problems: string[] = [];
  const resolved = resolveJwtKeys(keys, problems);
  return { resolved, problems };
}

/** The one problem a single rejected key produces. */
function problemOf(key: JwtKeyOptions): string {
  const { resolved, problems } = resolve([key]);
  expect(resolved).toEqual([]);
  expect(problems).toHaveLength(1);
  return problems[0];
}

const STRUCTURAL = resolveStructuralOptions({});

function resolveOptions(jwt: AuthModuleOptions['jwt']) {
  return resolveAuthOptions({ jwt }, STRUCTURAL, {});
}

function configurationProblems(jwt: AuthModuleOptions['jwt']): string[] {
  try {
    resolveOptions(jwt);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthConfigurationError);
    return (error as AuthConfigurationError).problems;
  }
  throw new Error('expected an AuthConfigurationError');
}

/** RFC 7638 section 3: SHA-256 of the required members, in lexicographic order, no whitespace. */
function expectedThumbprint(canonicalJson: string): string {
  return createHash('sha256').update(canonicalJson, 'utf8').digest('base64url');
}

describe('resolveJwtKeys: accepted keys', () => {
  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const)('%s with a %i-byte secret (string, Buffer and KeyObject)', (algorithm, bytes) => {
    for (const secret of ['s'.repeat(bytes), randomBytes(bytes)]) {
      const { resolved, problems } = resolve([{ kid: 'hmac', algorithm, secret }]);
      expect(problems).toEqual([]);
      expect(resolved).toHaveLength(1);
      expect(resolved[0]).toMatchObject({ kid: 'hmac', algorithm });
      expect(resolved[0].verifyKey.type).toBe('secret');
      expect(resolved[0].verifyKey.symmetricKeySize).toBe(bytes);
      expect(resolved[0].signKey).toBe(resolved[0].verifyKey);
    }
  });

  const pem = privatePem(rsa.privateKey);
  it.each([
    ['a PEM string', pem],
    ['a PEM string with whitespace around it', `\n\n   ${pem}\n \t\n`],
    ['a JWK object', jwkOf(rsa.privateKey)],
    ['a KeyObject', rsa.privateKey],
  ])('RS256 and PS256 with a 2048-bit RSA private key as %s', (_form, privateKey) => {
    for (const algorithm of ['RS256', 'PS256'] as const) {
      const { resolved, problems } = resolve([{ kid: 'rsa', algorithm, privateKey }]);
      expect(problems).toEqual([]);
      expect(resolved[0].algorithm).toBe(algorithm);
      expect(resolved[0].signKey?.type).toBe('private');
      expect(resolved[0].verifyKey.type).toBe('public');
      expect(resolved[0].verifyKey.equals(rsa.publicKey)).toBe(true);
      expect(resolved[0].publicJwk).toMatchObject({ kty: 'RSA', n: jwkOf(rsa.publicKey).n });
    }
  });

  it('ES256 with a P-256 key, EdDSA with an Ed25519 key', () => {
    const { resolved, problems } = resolve([
      { kid: 'ec', algorithm: 'ES256', privateKey: privatePem(p256.privateKey) },
      { kid: 'ed', algorithm: 'EdDSA', privateKey: jwkOf(ed25519.privateKey) },
    ]);
    expect(problems).toEqual([]);
    expect(resolved.map((key) => [key.kid, key.algorithm])).toEqual([
      ['ec', 'ES256'],
      ['ed', 'EdDSA'],
    ]);
    expect(resolved[0].verifyKey.equals(p256.publicKey)).toBe(true);
    expect(resolved[1].verifyKey.equals(ed25519.publicKey)).toBe(true);
    expect(resolved[0].publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(resolved[1].publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });

  it('public-key-only entries verify but do not sign', () => {
    const { resolved, problems } = resolve([
      { kid: 'rs', algorithm: 'RS256', publicKey: publicPem(rsa.publicKey) },
      { kid: 'ps', algorithm: 'PS256', publicKey: `  ${publicPem(rsa.publicKey)}\n` },
      { kid: 'es', algorithm: 'ES256', publicKey: jwkOf(p256.publicKey) },
      { kid: 'ed', algorithm: 'EdDSA', publicKey: ed25519.publicKey },
    ]);
    expect(problems).toEqual([]);
    expect(resolved).toHaveLength(4);
    for (const key of resolved) {
      expect(key.signKey).toBeUndefined();
      expect(key.verifyKey.type).toBe('public');
      expect(key.publicJwk).toBeDefined();
    }
  });

  it('a key pair given as privateKey and publicKey', () => {
    const { resolved, problems } = resolve([
      {
        kid: 'pair',
        algorithm: 'ES256',
        privateKey: p256.privateKey,
        publicKey: publicPem(p256.publicKey),
      },
    ]);
    expect(problems).toEqual([]);
    expect(resolved[0].signKey?.type).toBe('private');
    expect(resolved[0].verifyKey.equals(p256.publicKey)).toBe(true);
  });
});

describe('resolveJwtKeys: rejected keys', () => {
  it.each([
    ['HS256', 31, 32],
    ['HS384', 32, 48],
    ['HS512', 48, 64],
  ] as const)('%s with a %i-byte secret (needs %i)', (algorithm, bytes, needed) => {
    for (const secret of ['s'.repeat(bytes), randomBytes(bytes)]) {
      const problem = problemOf({ kid: 'short', algorithm, secret });
      expect(problem).toContain(algorithm);
      expect(problem).toContain(`${bytes} bytes`);
      expect(problem).toContain(`at least ${needed} bytes`);
    }
  });

  it('an HS256 key without a secret, or with an RSA key as its secret', () => {
    expect(problemOf({ algorithm: 'HS256' })).toContain('needs a secret');
    expect(problemOf({ algorithm: 'HS256', secret: rsa.publicKey })).toContain('secret KeyObject');
  });

  it('RS256 and PS256 with a 1024-bit RSA key', () => {
    for (const algorithm of ['RS256', 'PS256'] as const) {
      for (const privateKey of [rsa1024.privateKey, privatePem(rsa1024.privateKey)]) {
        const problem = problemOf({ algorithm, privateKey });
        expect(problem).toContain('2048');
        expect(problem).toContain('1024');
      }
      expect(problemOf({ algorithm, publicKey: rsa1024.publicKey })).toContain('2048');
    }
  });

  // Node exports no JWK for an RSASSA-PSS-restricted key and fast-jwt cannot load one, so it must be
  // refused as a problem at boot, never surface as a raw crypto error.
  it('PS256 and RS256 with an RSASSA-PSS ("rsa-pss") key', () => {
    for (const algorithm of ['PS256', 'RS256'] as const) {
      for (const key of [
        { algorithm, privateKey: rsaPss.privateKey },
        { algorithm, publicKey: publicPem(rsaPss.publicKey) },
      ]) {
        expect(() => resolve([key])).not.toThrow();
        expect(problemOf(key)).toContain('rsa-pss');
      }
    }
  });

  it('ES256 with a P-384 key', () => {
    const problem = problemOf({ algorithm: 'ES256', privateKey: p384.privateKey });
    expect(problem).toContain('P-256');
    expect(problem).toContain('secp384r1');
    expect(problemOf({ algorithm: 'ES256', publicKey: jwkOf(p384.publicKey) })).toContain('P-256');
  });

  it('ES256 with an RSA key', () => {
    const problem = problemOf({ algorithm: 'ES256', privateKey: privatePem(rsa.privateKey) });
    expect(problem).toContain('EC key');
    expect(problem).toContain('rsa');
  });

  it('RS256 and PS256 with an EC key', () => {
    for (const algorithm of ['RS256', 'PS256'] as const) {
      const problem = problemOf({ algorithm, privateKey: p256.privateKey });
      expect(problem).toContain('RSA key');
      expect(problem).toContain('ec');
    }
  });

  it('EdDSA with an RSA key, and with a P-256 key', () => {
    expect(problemOf({ algorithm: 'EdDSA', privateKey: rsa.privateKey })).toContain('Ed25519');
    expect(problemOf({ algorithm: 'EdDSA', publicKey: p256.publicKey })).toContain('Ed25519');
  });

  it('an RS256 key given only an Ed25519 public key', () => {
    expect(problemOf({ algorithm: 'RS256', publicKey: ed25519.publicKey })).toContain('RSA key');
  });

  it.each([['none'], ['HS1'], ['rs256'], [undefined]])('algorithm %s', (algorithm) => {
    const problem = problemOf({
      kid: 'k',
      algorithm: algorithm as JwtAlgorithm,
      secret: 's'.repeat(64),
      privateKey: rsa.privateKey,
    });
    expect(problem).toContain('algorithm must be one of HS256, HS384, HS512');
    expect(problem).toContain(`got ${String(algorithm)}`);
  });

  it('a garbage PEM string, as privateKey and as publicKey', () => {
    const garbage = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';
    expect(problemOf({ algorithm: 'RS256', privateKey: garbage })).toContain('cannot be read');
    expect(problemOf({ algorithm: 'RS256', publicKey: 'not a pem at all' })).toContain(
      'cannot be read',
    );
  });

  it('an asymmetric key with neither privateKey nor publicKey', () => {
    expect(problemOf({ algorithm: 'ES256' })).toContain('needs a privateKey or a publicKey');
  });

  it('an empty kid', () => {
    expect(problemOf({ kid: '', algorithm: 'HS256', secret: 's'.repeat(32) })).toContain(
      'kid must be a non-empty string',
    );
  });

  it('the same kid twice', () => {
    const { problems } = resolve([
      { kid: 'twin', algorithm: 'HS256', secret: 's'.repeat(32) },
      { kid: 'twin', algorithm: 'ES256', privateKey: p256.privateKey },
    ]);
    expect(problems).toEqual(['jwt.keys: kid twin is used twice.']);
  });

  it('two keys whose default kid (the thumbprint) is the same', () => {
    const { problems } = resolve([
      { algorithm: 'ES256', privateKey: p256.privateKey },
      { algorithm: 'ES256', publicKey: p256.publicKey },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('is used twice');
  });

  // Node derives a public key from private material handed to createPublicKey, so nothing fails
  // unless the library checks what it was given.
  it.each([
    ['a PEM string', privatePem(p256.privateKey)],
    ['a JWK object', jwkOf(p256.privateKey)],
    ['a KeyObject', p256.privateKey],
  ])('a private key passed as publicKey (%s)', (_form, publicKey) => {
    expect(problemOf({ kid: 'swapped', algorithm: 'ES256', publicKey })).toContain('publicKey');
  });

  it.each([
    ['a PEM string', publicPem(p256.publicKey)],
    ['a JWK object', jwkOf(p256.publicKey)],
    ['a KeyObject', p256.publicKey],
  ])('a public key passed as privateKey (%s)', (_form, privateKey) => {
    expect(problemOf({ kid: 'swapped', algorithm: 'ES256', privateKey })).toContain('privateKey');
  });

  it('reports every bad key, not only the first', () => {
    const { resolved, problems } = resolve([
      { kid: 'a', algorithm: 'HS256', secret: 'short' },
      { kid: 'b', algorithm: 'ES256', privateKey: p256.privateKey },
      { kid: 'c', algorithm: 'RS256', privateKey: rsa1024.privateKey },
    ]);
    expect(resolved.map((key) => key.kid)).toEqual(['b']);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('jwt.keys[0] (kid a)');
    expect(problems[1]).toContain('jwt.keys[2] (kid c)');
  });
});

describe('resolveJwtKeys: defaults and published keys', () => {
  it('the default kid of an EC key is its RFC 7638 thumbprint', () => {
    const { crv, x, y } = jwkOf(p256.publicKey);
    const canonical = `{"crv":"${crv}","kty":"EC","x":"${x}","y":"${y}"}`;
    const { resolved, problems } = resolve([{ algorithm: 'ES256', privateKey: p256.privateKey }]);
    expect(problems).toEqual([]);
    expect(resolved[0].kid).toBe(expectedThumbprint(canonical));
    expect(resolved[0].publicJwk?.kid).toBe(resolved[0].kid);
  });

  it('the default kid of an RSA key is its RFC 7638 thumbprint (the RFC 7638 section 3.1 example)', () => {
    const rfcKey: JsonWebKey = {
      kty: 'RSA',
      n:
        '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP' +
        'ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvzq' +
        'Y368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0' +
        'fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
    };
    const { resolved, problems } = resolve([{ algorithm: 'RS256', publicKey: rfcKey }]);
    expect(problems).toEqual([]);
    expect(resolved[0].kid).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('the default kid of an Ed25519 key is its RFC 7638 thumbprint', () => {
    const { x } = jwkOf(ed25519.publicKey);
    const { resolved } = resolve([{ algorithm: 'EdDSA', publicKey: ed25519.publicKey }]);
    expect(resolved[0].kid).toBe(expectedThumbprint(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`));
  });

  it('the default kid does not depend on the form the key was given in', () => {
    const kids = [
      p256.privateKey,
      privatePem(p256.privateKey),
      jwkOf(p256.privateKey),
      ` ${privatePem(p256.privateKey)}\n`,
    ].map((privateKey) => resolve([{ algorithm: 'ES256', privateKey }]).resolved[0].kid);
    expect(new Set(kids).size).toBe(1);
    expect(resolve([{ algorithm: 'ES256', publicKey: p256.publicKey }]).resolved[0].kid).toBe(
      kids[0],
    );
  });

  it('an HS key gets a default kid that does not reveal the secret, and no publicJwk', () => {
    const secret = 's'.repeat(48);
    const { resolved } = resolve([{ algorithm: 'HS384', secret }]);
    expect(resolved[0].kid).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(secret).not.toContain(resolved[0].kid);
    expect(resolved[0].publicJwk).toBeUndefined();
    for (const algorithm of ['HS256', 'HS384', 'HS512'] as const) {
      const { resolved: named } = resolve([{ kid: 'h', algorithm, secret: randomBytes(64) }]);
      expect(named[0].publicJwk).toBeUndefined();
    }
  });

  it.each([
    ['RS256', rsa.privateKey, 'RSA'],
    ['PS256', jwkOf(rsa.privateKey), 'RSA'],
    ['ES256', jwkOf(p256.privateKey), 'EC'],
    ['EdDSA', privatePem(ed25519.privateKey), 'OKP'],
  ] as const)(
    'the %s JWK carries kid, alg and use "sig", and no private member',
    (algorithm, privateKey, kty) => {
      const { resolved, problems } = resolve([{ kid: `k-${algorithm}`, algorithm, privateKey }]);
      expect(problems).toEqual([]);
      const jwk = resolved[0].publicJwk!;
      expect(jwk).toMatchObject({ kty, kid: `k-${algorithm}`, alg: algorithm, use: 'sig' });
      for (const member of PRIVATE_JWK_MEMBERS) expect(jwk).not.toHaveProperty(member);
      expect(createPublicKey({ key: jwk, format: 'jwk' }).equals(resolved[0].verifyKey)).toBe(true);
    },
  );
});

describe('resolveJwtKeys: HS keys given as an oct JWK (RFC 7518 section 6.4)', () => {
  const octOf = (bytes: Buffer): JsonWebKey => ({ kty: 'oct', k: bytes.toString('base64url') });

  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const)('%s accepts { kty: "oct", k } as its secret, the bytes of k', (algorithm, size) => {
    const bytes = randomBytes(size);
    const { resolved, problems } = resolve([{ algorithm, secret: octOf(bytes) }]);
    expect(problems).toEqual([]);
    expect(resolved[0].verifyKey.equals(createSecretKey(bytes))).toBe(true);
    expect(resolved[0].signKey?.equals(createSecretKey(bytes))).toBe(true);
    expect(resolved[0].publicJwk).toBeUndefined();
  });

  it('jwt.secret takes an oct JWK too', () => {
    const bytes = randomBytes(32);
    const resolved = resolveOptions({ secret: { ...octOf(bytes), alg: 'HS256', use: 'sig' } });
    expect(resolved.jwt.signingKey.verifyKey.equals(createSecretKey(bytes))).toBe(true);
  });

  const k = (size: number) => randomBytes(size).toString('base64url');
  it.each([
    ['a k shorter than the hash', 'HS256', { kty: 'oct', k: k(31) }, '31 bytes'],
    ['a 48-byte k for HS512', 'HS512', { kty: 'oct', k: k(48) }, '48 bytes'],
    ['no k', 'HS256', { kty: 'oct' }, "{ kty: 'oct', k: '<base64url>' }"],
    ['another kty', 'HS256', { kty: 'RSA', k: k(32) }, 'got kty RSA'],
    ['base64 with + and /', 'HS256', { kty: 'oct', k: `${'+/'.repeat(30)}AAAAAA` }, 'base64url'],
    ['a padded k', 'HS256', { kty: 'oct', k: `${k(32)}=` }, 'base64url'],
    ['characters Node would skip', 'HS256', { kty: 'oct', k: `${k(33)}!!` }, 'base64url'],
    ['an alg of another hash', 'HS512', { kty: 'oct', alg: 'HS256', k: k(64) }, 'not HS512'],
  ] as const)('refuses %s', (_name, algorithm, jwk, message) => {
    expect(problemOf({ algorithm, secret: jwk as JsonWebKey })).toContain(message);
  });
});

describe('resolveJwtKeys: the default kid of an HS key', () => {
  it('is the RFC 7638 thumbprint of the secret as an oct JWK, as jose computes it', async () => {
    const bytes = randomBytes(48);
    const k = bytes.toString('base64url');
    const { resolved } = resolve([{ algorithm: 'HS384', secret: bytes }]);
    expect(resolved[0].kid).toBe(expectedThumbprint(`{"k":"${k}","kty":"oct"}`));
    expect(resolved[0].kid).toBe(await calculateJwkThumbprint({ kty: 'oct', k }, 'sha256'));
  });

  it('is the same whatever form the secret was given in', () => {
    const text = 'a shared secret that is long enough for HS256!';
    const bytes = Buffer.from(text, 'utf8');
    const kids = [
      text,
      bytes,
      createSecretKey(bytes),
      { kty: 'oct', k: bytes.toString('base64url') },
    ].map((secret) => resolve([{ algorithm: 'HS256', secret }]).resolved[0].kid);
    expect(new Set(kids).size).toBe(1);
  });

  it('keeps the fingerprint earlier versions gave it as a kid it also verifies under', () => {
    const bytes = randomBytes(32);
    const legacy = createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
    expect(resolve([{ algorithm: 'HS256', secret: bytes }]).resolved[0].legacyKids).toEqual([
      legacy,
    ]);
    // A kid of its own: nothing else to answer to.
    expect(
      resolve([{ kid: 'mine', algorithm: 'HS256', secret: bytes }]).resolved[0].legacyKids,
    ).toBeUndefined();
  });
});

describe('resolveAuthOptions with jwt.keys', () => {
  const es = { kid: 'es', algorithm: 'ES256', privateKey: p256.privateKey } as const;
  const hs = { kid: 'hs', algorithm: 'HS512', secret: randomBytes(64) } as const;
  const verifyOnly = { kid: 'old', algorithm: 'RS256', publicKey: rsa.publicKey } as const;

  it('signs with the first key by default, and keeps every key for verification', () => {
    const resolved = resolveOptions({ keys: [es, verifyOnly, hs] });
    expect(resolved.jwt.signingKey.kid).toBe('es');
    expect(resolved.jwt.keys.map((key) => key.kid)).toEqual(['es', 'old', 'hs']);
  });

  it('signs with the key signingKeyId names', () => {
    expect(
      resolveOptions({ keys: [es, verifyOnly, hs], signingKeyId: 'hs' }).jwt.signingKey.kid,
    ).toBe('hs');
  });

  it('refuses a signing key (the first) that has only a publicKey', () => {
    const problems = configurationProblems({ keys: [verifyOnly, es] });
    expect(problems).toEqual(['jwt.keys: the signing key old has no privateKey.']);
  });

  it('refuses a signing key named by signingKeyId that has only a publicKey', () => {
    const problems = configurationProblems({ keys: [es, verifyOnly], signingKeyId: 'old' });
    expect(problems.join('\n')).toContain('has no privateKey');
  });

  it('refuses a signingKeyId that names no key', () => {
    const problems = configurationProblems({ keys: [es, hs], signingKeyId: 'missing' });
    expect(problems).toEqual(['jwt.signingKeyId missing names no key of jwt.keys.']);
  });

  it('refuses jwt.secret together with jwt.keys', () => {
    const problems = configurationProblems({ secret: 's'.repeat(32), keys: [es] });
    expect(problems).toContain('Give jwt.secret or jwt.keys, not both.');
  });

  it('refuses an empty key list', () => {
    expect(configurationProblems({ keys: [] })).toContain(
      'jwt.keys must be a non-empty array of keys.',
    );
  });

  it('ignores AUTH_JWT_SECRET when jwt.keys is given', () => {
    const resolved = resolveAuthOptions({ jwt: { keys: [es] } }, STRUCTURAL, {
      AUTH_JWT_SECRET: 's'.repeat(32),
    });
    expect(resolved.jwt.keys.map((key) => key.kid)).toEqual(['es']);
  });

  it('lists the key problems among the other option problems', () => {
    const problems = configurationProblems({
      keys: [{ kid: 'weak', algorithm: 'HS256', secret: 'short' }],
      accessTokenTtl: 0,
    });
    expect(problems.some((problem) => problem.includes('jwt.keys[0] (kid weak)'))).toBe(true);
    expect(problems.some((problem) => problem.includes('jwt.accessTokenTtl'))).toBe(true);
  });
});
