import { compactVerify, errors } from 'jose';
import { AuthConfigurationError, InvalidTokenException } from '../errors/auth.exception.js';
import { type JwtKeyOptions, resolveJwtKeys } from './jwt-keys.js';

/**
 * What {@link verifyJwsSignatureOnly} returns: the protected header and the payload bytes, which are
 * not claims. Nothing about them has been checked but the signature.
 */
export interface VerifiedJwsSignature {
  /** The decoded JOSE protected header. */
  header: Record<string, unknown>;
  /** The payload exactly as signed: bytes, JSON or not (parse it yourself if it is a JWT). */
  payload: Uint8Array;
  /** The kid of the ring key whose signature it is. */
  kid: string;
}

/**
 * Checks only the signature of a compact JWS against a key ring given like `jwt.keys`, with the
 * ring's rules for keys (one algorithm per key, `none` never, the `kid` header picks the key, a token
 * without `kid` only when there is one key; `jku`, `x5u` and `jwk` headers are never followed), and
 * none of the rules for claims: no `exp`, `iss`, `aud`, `typ`, lifetime or revocation check, and the
 * payload need not be JSON. For integration tests and interop with other JOSE implementations.
 *
 * It is a plain async function over key options rather than a provider or a strategy, and its answer
 * carries payload bytes and no user, so it cannot stand in for what a guard or strategy needs:
 * authenticating a request goes through `JwtBackend.verifyToken`, which applies every claim rule.
 *
 * @throws AuthConfigurationError when the keys are not a valid ring; InvalidTokenException when the
 * signature does not verify with the key the token names (or the token is not a compact JWS).
 *
 * @example
 * ```ts
 * const { header, payload } = await verifyJwsSignatureOnly(token, [
 *   { kid: 'bilbo.baggins@hobbiton.example', algorithm: 'RS256', publicKey: bilboJwk },
 * ]);
 * ```
 */
export async function verifyJwsSignatureOnly(
  token: string,
  keys: readonly JwtKeyOptions[],
): Promise<VerifiedJwsSignature> {
  const problems: string[] = [];
  const ring = resolveJwtKeys(keys, problems);
  if (problems.length || ring.length === 0) {
    throw new AuthConfigurationError(problems.length ? problems : ['No key to verify with.']);
  }
  if (typeof token !== 'string') throw new InvalidTokenException();
  let kid: unknown;
  try {
    kid = (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) ?? {}).kid;
  } catch {
    throw new InvalidTokenException();
  }
  const key =
    kid === undefined
      ? ring.length === 1
        ? ring[0]
        : undefined
      : typeof kid === 'string'
        ? ring.find((candidate) => candidate.kid === kid || candidate.legacyKids?.includes(kid))
        : undefined;
  if (!key) throw new InvalidTokenException();
  try {
    const { payload, protectedHeader } = await compactVerify(token, key.verifyKey, {
      algorithms: [key.algorithm],
    });
    return { header: protectedHeader as Record<string, unknown>, payload, kid: key.kid };
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) {
      throw new InvalidTokenException();
    }
    throw error;
  }
}
