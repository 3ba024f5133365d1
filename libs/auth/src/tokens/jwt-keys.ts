import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  KeyObject,
  type JsonWebKey,
} from 'node:crypto';

/** The signature algorithms Portcullis signs and verifies with. `none` is never one of them. */
export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

/** Every supported {@link JwtAlgorithm}. */
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'PS256',
  'ES256',
  'EdDSA',
];

/** Key material: a PEM string, a JWK object, or a `KeyObject`. */
export type KeyMaterial = string | JsonWebKey | KeyObject;

/**
 * One key of the JWT key ring.
 *
 * @example
 * ```ts
 * { kid: '2026-11', algorithm: 'ES256', privateKey: process.env.JWT_EC_PRIVATE_KEY }
 * { kid: '2026-05', algorithm: 'ES256', publicKey: oldPublicPem } // verifies tokens it signed until they expire
 * ```
 */
export interface JwtKeyOptions {
  /**
   * Key id, written in the `kid` header and used to pick the verification key.
   * @default the RFC 7638 thumbprint of the public key, or of the secret as an `oct` JWK
   */
  kid?: string;
  /** The only algorithm this key is used with. */
  algorithm: JwtAlgorithm;
  /**
   * HS256/384/512: the shared secret, at least as long as the hash (32, 48, 64 bytes): a string (its
   * UTF-8 bytes), a Buffer, a secret `KeyObject`, or an `oct` JWK (`{ kty: 'oct', k: '<base64url>' }`).
   */
  secret?: string | Buffer | KeyObject | JsonWebKey;
  /** Asymmetric algorithms: the private key. Needed for the signing key only. */
  privateKey?: KeyMaterial;
  /** Asymmetric algorithms: the public key; derived from `privateKey` when absent. */
  publicKey?: KeyMaterial;
}

/** A checked key of the ring. Internal. */
export interface ResolvedJwtKey {
  kid: string;
  algorithm: JwtAlgorithm;
  /** The secret, or the public key. */
  verifyKey: KeyObject;
  /** The secret, or the private key; absent for verify-only keys. */
  signKey?: KeyObject;
  /** The public JWK published at /.well-known/jwks.json (asymmetric keys only). */
  publicJwk?: JsonWebKey & { kid: string; alg: string; use: 'sig' };
  /**
   * Further kids it verifies under: for an HS key without `kid`, the fingerprint earlier versions
   * used as its default, so that tokens issued before an upgrade keep verifying.
   */
  legacyKids?: string[];
}

const HMAC_MIN_BYTES: Partial<Record<JwtAlgorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 };

function isHmac(algorithm: JwtAlgorithm): boolean {
  return algorithm.startsWith('HS');
}

function toKeyObject(material: KeyMaterial, kind: 'private' | 'public'): KeyObject {
  if (material instanceof KeyObject) return material;
  if (typeof material === 'string') {
    const pem = material.trim();
    // createPublicKey() would quietly derive a public key: a private key does not belong here.
    if (kind === 'public' && /PRIVATE KEY/.test(pem))
      throw new Error('publicKey holds a private key');
    return kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  }
  if (kind === 'public' && typeof material === 'object' && 'd' in material) {
    throw new Error('publicKey holds a private key');
  }
  return kind === 'private'
    ? createPrivateKey({ key: material, format: 'jwk' })
    : createPublicKey({ key: material, format: 'jwk' });
}

/** Why an asymmetric key does not fit its algorithm, or undefined when it does. */
function mismatch(algorithm: JwtAlgorithm, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (algorithm) {
    case 'RS256':
    case 'PS256': {
      // Plain RSA keys serve both; RSASSA-PSS-only keys ("rsa-pss") are not supported by the verifier.
      if (type !== 'rsa') return `${algorithm} needs an RSA key (not rsa-pss), got ${type}`;
      if ((details.modulusLength ?? 0) < 2048) {
        return `${algorithm} needs an RSA key of at least 2048 bits, got ${details.modulusLength}`;
      }
      return undefined;
    }
    case 'ES256':
      if (type !== 'ec' || details.namedCurve !== 'prime256v1') {
        return `ES256 needs an EC key on P-256, got ${type}${details.namedCurve ? ` ${details.namedCurve}` : ''}`;
      }
      return undefined;
    case 'EdDSA':
      if (type !== 'ed25519' && type !== 'ed448') {
        return `EdDSA needs an Ed25519 or Ed448 key, got ${type}`;
      }
      return undefined;
    default:
      return `${algorithm} is not an asymmetric algorithm`;
  }
}

/**
 * RFC 7638 thumbprint of a JWK: public keys, and secrets (`oct`), whose thumbprint is a SHA-256 of
 * the secret and so tells no more about it than any signature made with it.
 */
function thumbprint(jwk: JsonWebKey): string {
  const members: Record<string, string[]> = {
    RSA: ['e', 'kty', 'n'],
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
    oct: ['k', 'kty'],
  };
  const names = members[jwk.kty as string] ?? [];
  const canonical = `{${names.map((name) => `"${name}":${JSON.stringify(jwk[name])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The secret of an `oct` JWK (RFC 7518 6.4), or undefined with a problem pushed. `k` must be the
 * unpadded base64url of the bytes: Node's decoder skips characters outside the alphabet, which would
 * quietly give another, shorter secret.
 */
function octJwkBytes(
  jwk: JsonWebKey,
  algorithm: JwtAlgorithm,
  secretName: string,
  problems: string[],
): Buffer | undefined {
  if (jwk.kty !== 'oct' || typeof jwk.k !== 'string') {
    const got = jwk.kty === 'oct' ? 'no k' : `kty ${String(jwk.kty)}`;
    problems.push(
      `${secretName}: a JWK secret must be { kty: 'oct', k: '<base64url>' }; got ${got}.`,
    );
    return undefined;
  }
  const bytes = Buffer.from(jwk.k, 'base64url');
  if (!/^[A-Za-z0-9_-]*$/.test(jwk.k) || bytes.toString('base64url') !== jwk.k) {
    problems.push(`${secretName}: the JWK's k is not unpadded base64url (RFC 7515 section 2).`);
    return undefined;
  }
  if (jwk.alg !== undefined && jwk.alg !== algorithm) {
    problems.push(`${secretName}: the JWK is for ${String(jwk.alg)}, not ${algorithm}.`);
    return undefined;
  }
  return bytes;
}

function resolveSecret(
  key: JwtKeyOptions,
  label: string,
  problems: string[],
  secretName = `${label} secret`,
): { verifyKey: KeyObject; signKey: KeyObject } | undefined {
  const secret = key.secret;
  const minimum = HMAC_MIN_BYTES[key.algorithm] ?? 32;
  if (secret === undefined || secret === null || secret === '') {
    problems.push(`${label}: ${key.algorithm} needs a secret of at least ${minimum} bytes.`);
    return undefined;
  }
  let object: KeyObject;
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') {
      problems.push(
        `${secretName}: ${key.algorithm} needs a secret (symmetric) KeyObject, got a ${secret.type} key; pass a secret KeyObject, a string or a Buffer.`,
      );
      return undefined;
    }
    object = secret;
  } else if (typeof secret === 'string' || Buffer.isBuffer(secret)) {
    object = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  } else if (typeof secret === 'object' && !Array.isArray(secret)) {
    const bytes = octJwkBytes(secret, key.algorithm, secretName, problems);
    if (!bytes) return undefined;
    object = createSecretKey(bytes);
  } else {
    problems.push(
      `${secretName} must be a string, a Buffer, a secret KeyObject or an oct JWK ({ kty: 'oct', k }).`,
    );
    return undefined;
  }
  const size = object.symmetricKeySize ?? 0;
  if (size < minimum) {
    problems.push(
      `${secretName} is ${size} bytes; ${key.algorithm} needs at least ${minimum} bytes (e.g. \`openssl rand -base64 ${minimum + 16}\`).`,
    );
    return undefined;
  }
  return { verifyKey: object, signKey: object };
}

function resolveAsymmetric(
  key: JwtKeyOptions,
  label: string,
  problems: string[],
): { verifyKey: KeyObject; signKey?: KeyObject } | undefined {
  let signKey: KeyObject | undefined;
  let verifyKey: KeyObject;
  try {
    signKey = key.privateKey === undefined ? undefined : toKeyObject(key.privateKey, 'private');
    if (signKey && signKey.type !== 'private') throw new Error('it is not a private key');
  } catch (error) {
    problems.push(
      `${label}: privateKey cannot be read as a private key (${(error as Error).message}).`,
    );
    return undefined;
  }
  try {
    if (key.publicKey !== undefined) verifyKey = toKeyObject(key.publicKey, 'public');
    else if (signKey) verifyKey = createPublicKey(signKey);
    else {
      problems.push(`${label}: ${key.algorithm} needs a privateKey or a publicKey.`);
      return undefined;
    }
    if (verifyKey.type !== 'public') throw new Error('it is not a public key');
  } catch (error) {
    problems.push(
      `${label}: publicKey cannot be read as a public key (${(error as Error).message}).`,
    );
    return undefined;
  }
  const problem = mismatch(key.algorithm, verifyKey);
  if (problem) {
    problems.push(`${label}: ${problem}.`);
    return undefined;
  }
  return { verifyKey, signKey };
}

/**
 * Checks and builds the key ring. Every problem found is pushed to `problems` (a short secret, an RSA
 * key under 2048 bits, a key whose type does not fit its algorithm, a duplicated kid, ...), named after
 * `optionName` when the keys come from another option than `jwt.keys` (`jwt.secret`).
 */
export function resolveJwtKeys(
  keys: readonly JwtKeyOptions[],
  problems: string[],
  optionName?: string,
): ResolvedJwtKey[] {
  const resolved: ResolvedJwtKey[] = [];
  keys.forEach((key, index) => {
    const label = optionName ?? `jwt.keys[${index}]${key?.kid ? ` (kid ${key.kid})` : ''}`;
    if (!key || !JWT_ALGORITHMS.includes(key.algorithm)) {
      problems.push(
        `${label}: algorithm must be one of ${JWT_ALGORITHMS.join(', ')}; got ${String(key?.algorithm)}.`,
      );
      return;
    }
    if (key.kid !== undefined && (typeof key.kid !== 'string' || key.kid.length === 0)) {
      problems.push(`${label}: kid must be a non-empty string.`);
      return;
    }
    const pair = isHmac(key.algorithm)
      ? resolveSecret(key, label, problems, optionName)
      : resolveAsymmetric(key, label, problems);
    if (!pair) return;
    let publicJwk: ResolvedJwtKey['publicJwk'];
    let kid = key.kid;
    let legacyKids: string[] | undefined;
    if (isHmac(key.algorithm)) {
      const bytes = pair.verifyKey.export();
      if (kid === undefined) {
        kid = thumbprint({ kty: 'oct', k: bytes.toString('base64url') });
        legacyKids = [createHash('sha256').update(bytes).digest('base64url').slice(0, 16)];
      }
    } else {
      const jwk = pair.verifyKey.export({ format: 'jwk' });
      kid ??= thumbprint(jwk);
      publicJwk = { ...jwk, kid, alg: key.algorithm, use: 'sig' };
    }
    resolved.push({ kid, algorithm: key.algorithm, ...pair, publicJwk, legacyKids });
  });
  const kids = resolved.map((key) => key.kid);
  const duplicated = kids.filter((kid, index) => kids.indexOf(kid) !== index);
  if (duplicated.length) problems.push(`jwt.keys: kid ${duplicated[0]} is used twice.`);
  return resolved;
}
