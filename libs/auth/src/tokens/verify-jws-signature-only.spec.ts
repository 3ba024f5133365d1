import 'reflect-metadata';
import { createHmac, createPublicKey, verify as verifyWith, type JsonWebKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthConfigurationError, InvalidTokenException } from '../errors/auth.exception.js';
import type { JwtKeyOptions } from './jwt-keys.js';
import { verifyJwsSignatureOnly } from './verify-jws-signature-only.js';

// The examples below are copied from the RFCs (via JOSE libraries' test suites that carry them) and
// checked here with node:crypto alone as well, so that a copying mistake cannot pass unnoticed.

/** RFC 7515 A.1-A.3: `{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}`. */
const RFC7515_PAYLOAD =
  'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ';

/** RFC 7520 section 4: "It’s a dangerous business, Frodo, going out your door. ..." */
const RFC7520_PAYLOAD =
  'SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUg' +
  'cm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0' +
  'IGJlIHN3ZXB0IG9mZiB0by4';

/** RFC 7520 section 3.3, Figure 3: Bilbo's RSA public key. */
const BILBO_RSA: JsonWebKey = {
  kty: 'RSA',
  kid: 'bilbo.baggins@hobbiton.example',
  use: 'sig',
  n:
    'n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJM' +
    'RBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1' +
    'FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSn' +
    'bLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw',
  e: 'AQAB',
};

interface Example {
  name: string;
  token: string;
  keys: JwtKeyOptions[];
  /** The payload the RFC says was signed. */
  payload: string;
  /** An independent check of the signature with node:crypto. */
  independently: (input: Buffer, signature: Buffer) => boolean;
}

const hmac = (k: string) => (input: Buffer, signature: Buffer) =>
  createHmac('sha256', Buffer.from(k, 'base64url')).update(input).digest().equals(signature);
const publicKey = (jwk: JsonWebKey) => createPublicKey({ key: jwk, format: 'jwk' });

const A1_KEY =
  'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow';
const A2_KEY: JsonWebKey = {
  kty: 'RSA',
  n:
    'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-' +
    'yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e' +
    '-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco' +
    '9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
  e: 'AQAB',
};
const A3_KEY: JsonWebKey = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};
const RFC7520_HS_KEY = 'hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg';
const RFC8037_KEY: JsonWebKey = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
};

const rfc7515Payload = Buffer.from(RFC7515_PAYLOAD, 'base64url').toString('utf8');
const rfc7520Payload = Buffer.from(RFC7520_PAYLOAD, 'base64url').toString('utf8');

const EXAMPLES: Example[] = [
  {
    name: 'RFC 7515 A.1 (HS256)',
    token:
      `eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.${RFC7515_PAYLOAD}.` +
      'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    keys: [{ algorithm: 'HS256', secret: { kty: 'oct', k: A1_KEY } }],
    payload: rfc7515Payload,
    independently: hmac(A1_KEY),
  },
  {
    name: 'RFC 7515 A.2 (RS256)',
    token:
      `eyJhbGciOiJSUzI1NiJ9.${RFC7515_PAYLOAD}.` +
      'cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbd' +
      's9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0Gar' +
      'ZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9' +
      'Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw',
    keys: [{ algorithm: 'RS256', publicKey: A2_KEY }],
    payload: rfc7515Payload,
    independently: (input, signature) => verifyWith('sha256', input, publicKey(A2_KEY), signature),
  },
  {
    name: 'RFC 7515 A.3 (ES256)',
    token:
      `eyJhbGciOiJFUzI1NiJ9.${RFC7515_PAYLOAD}.` +
      'DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q',
    keys: [{ algorithm: 'ES256', publicKey: A3_KEY }],
    payload: rfc7515Payload,
    independently: (input, signature) =>
      verifyWith('sha256', input, { key: publicKey(A3_KEY), dsaEncoding: 'ieee-p1363' }, signature),
  },
  {
    name: 'RFC 7520 4.1 (RS256, kid bilbo.baggins@hobbiton.example)',
    token:
      `eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.${RFC7520_PAYLOAD}.` +
      'MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PND' +
      'i84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4Q' +
      'PocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd' +
      '6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg',
    keys: [{ kid: 'bilbo.baggins@hobbiton.example', algorithm: 'RS256', publicKey: BILBO_RSA }],
    payload: rfc7520Payload,
    independently: (input, signature) =>
      verifyWith('sha256', input, publicKey(BILBO_RSA), signature),
  },
  {
    name: 'RFC 7520 4.4 (HS256, kid 018c0ae5-4d9b-471b-bfd6-eef314bc7037)',
    token:
      `eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.${RFC7520_PAYLOAD}.` +
      's0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0',
    keys: [
      {
        kid: '018c0ae5-4d9b-471b-bfd6-eef314bc7037',
        algorithm: 'HS256',
        secret: { kty: 'oct', alg: 'HS256', k: RFC7520_HS_KEY },
      },
    ],
    payload: rfc7520Payload,
    independently: hmac(RFC7520_HS_KEY),
  },
  {
    name: 'RFC 8037 A.4 (EdDSA, Ed25519)',
    token:
      'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.' +
      'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
    keys: [{ algorithm: 'EdDSA', publicKey: RFC8037_KEY }],
    payload: 'Example of Ed25519 signing',
    independently: (input, signature) => verifyWith(null, input, publicKey(RFC8037_KEY), signature),
  },
];

/** The token with one byte of segment `index` (1 payload, 2 signature) changed. */
function tampered(token: string, index: 1 | 2): string {
  const segments = token.split('.');
  const bytes = Buffer.from(segments[index], 'base64url');
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  segments[index] = bytes.toString('base64url');
  return segments.join('.');
}

function signingInputAndSignature(token: string): [Buffer, Buffer] {
  const [header, payload, signature] = token.split('.');
  return [Buffer.from(`${header}.${payload}`), Buffer.from(signature, 'base64url')];
}

describe('verifyJwsSignatureOnly with the RFC examples', () => {
  it.each(EXAMPLES)('$name verifies, independently too', async (example) => {
    expect(example.independently(...signingInputAndSignature(example.token))).toBe(true);
    const verified = await verifyJwsSignatureOnly(example.token, example.keys);
    expect(Buffer.from(verified.payload).toString('utf8')).toBe(example.payload);
    expect(verified.header.alg).toBe(example.keys[0].algorithm);
  });

  it.each(EXAMPLES)('$name with one byte of its payload changed does not', async (example) => {
    const token = tampered(example.token, 1);
    expect(example.independently(...signingInputAndSignature(token))).toBe(false);
    await expect(verifyJwsSignatureOnly(token, example.keys)).rejects.toBeInstanceOf(
      InvalidTokenException,
    );
  });

  it.each(EXAMPLES)('$name with one byte of its signature changed does not', async (example) => {
    const token = tampered(example.token, 2);
    expect(example.independently(...signingInputAndSignature(token))).toBe(false);
    await expect(verifyJwsSignatureOnly(token, example.keys)).rejects.toBeInstanceOf(
      InvalidTokenException,
    );
  });

  it('skips the claim rules: RFC 7515 A.1 expired in 2011 and has no sub, aud or jti', async () => {
    const [a1] = EXAMPLES;
    const { payload } = await verifyJwsSignatureOnly(a1.token, a1.keys);
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual({
      iss: 'joe',
      exp: 1300819380,
      'http://example.com/is_root': true,
    });
  });
});

describe('verifyJwsSignatureOnly keeps the rules of the key ring', () => {
  const [a1, a2, , bilbo] = EXAMPLES;
  const refused = (token: string, keys: JwtKeyOptions[]) =>
    expect(verifyJwsSignatureOnly(token, keys)).rejects.toBeInstanceOf(InvalidTokenException);

  it('a token without kid only against a ring of one key', async () => {
    await refused(a1.token, [...a1.keys, ...a2.keys]);
  });

  it('the kid must name a key of the ring', async () => {
    await refused(bilbo.token, [{ ...bilbo.keys[0], kid: 'frodo.baggins@hobbiton.example' }]);
  });

  it('one algorithm per key: an RS256 signature against the same key as PS256', async () => {
    await refused(a2.token, [{ algorithm: 'PS256', publicKey: A2_KEY }]);
  });

  it('alg none, or HS256 made with the RSA public key as its secret', async () => {
    const [header, payload] = a2.token.split('.');
    const none = Buffer.from('{"alg":"none"}').toString('base64url');
    await refused(`${none}.${payload}.`, a2.keys);
    const pem = publicKey(A2_KEY).export({ type: 'spki', format: 'pem' });
    const hs = Buffer.from('{"alg":"HS256"}').toString('base64url');
    const signature = createHmac('sha256', pem).update(`${hs}.${payload}`).digest('base64url');
    await refused(`${hs}.${payload}.${signature}`, a2.keys);
    await refused(`${header}.${payload}`, a2.keys);
    await refused('not a token', a2.keys);
  });

  it('keys the ring would refuse at boot are a configuration error', async () => {
    await expect(
      verifyJwsSignatureOnly(a1.token, [{ algorithm: 'HS256', secret: 'short' }]),
    ).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(verifyJwsSignatureOnly(a1.token, [])).rejects.toBeInstanceOf(
      AuthConfigurationError,
    );
  });
});
