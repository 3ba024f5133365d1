import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { JwtKeyOptions } from 'portcullis';
import { BENCH_JWT_SECRET } from '../bench.constants.js';

/** The asymmetric algorithms that get a row of their own. */
export type AsymmetricBenchAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

interface AsymmetricBenchKey {
  kid: string;
  algorithm: AsymmetricBenchAlgorithm;
  privateKey: KeyObject;
}

/**
 * One fresh key pair per asymmetric algorithm, made once per server process: RSA 2048 (the least
 * Portcullis accepts), EC P-256 and Ed25519.
 */
const ASYMMETRIC_KEYS: Record<AsymmetricBenchAlgorithm, AsymmetricBenchKey> = {
  RS256: {
    kid: 'bench-rs256',
    algorithm: 'RS256',
    privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  },
  ES256: {
    kid: 'bench-es256',
    algorithm: 'ES256',
    privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  },
  EdDSA: {
    kid: 'bench-eddsa',
    algorithm: 'EdDSA',
    privateKey: generateKeyPairSync('ed25519').privateKey,
  },
};

/**
 * The bench app's `jwt.keys`: the HS256 secret first, so it signs what Portcullis issues (logins,
 * the HS256 row), then one verify key per asymmetric algorithm, the way a ring holds the keys of a
 * rotation or of another service that shares the users.
 */
export const BENCH_JWT_KEYS: JwtKeyOptions[] = [
  { kid: 'bench-hs256', algorithm: 'HS256', secret: BENCH_JWT_SECRET },
  ...Object.values(ASYMMETRIC_KEYS).map(({ kid, algorithm, privateKey }) => ({
    kid,
    algorithm,
    privateKey,
  })),
];

/**
 * An access token for `subject` in `sessionId`, signed with the bench key of `algorithm`, with the
 * claims and header Portcullis itself writes (`TokenService.issueAccessToken`). Signed here because
 * Portcullis signs only with its signing key, and jsonwebtoken (the bench's other JWT library) has no
 * EdDSA; a compact JWS is one `crypto.sign` call.
 */
export function signAsymmetricAccessToken(
  algorithm: AsymmetricBenchAlgorithm,
  claims: { sub: string; sid: string; iss: string; aud: string; ttlSeconds: number },
): string {
  const key = ASYMMETRIC_KEYS[algorithm];
  const now = Math.floor(Date.now() / 1000);
  const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${segment({ alg: algorithm, typ: 'JWT', kid: key.kid })}.${segment({
    typ: 'access',
    sub: claims.sub,
    sid: claims.sid,
    jti: randomUUID(),
    iat: now,
    exp: now + claims.ttlSeconds,
    iss: claims.iss,
    aud: claims.aud,
  })}`;
  const signature = sign(
    algorithm === 'EdDSA' ? null : 'sha256',
    Buffer.from(signingInput),
    // JWS wants ECDSA signatures as r || s, not DER (RFC 7518 3.4).
    algorithm === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey,
  );
  return `${signingInput}.${signature.toString('base64url')}`;
}
