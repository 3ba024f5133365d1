import {
  resolveJwtKeys,
  type JwtAlgorithm,
  type JwtKeyOptions,
  type ResolvedJwtKey,
} from '../tokens/jwt-keys.js';
import type { AuthModuleOptions } from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';
import type { AuthJwtOptions, JwtFromRequest } from './jwt.options.js';
import { nonEmptyString, positiveInteger } from './option-checks.js';
import type { ResolvedStructuralOptions } from './structural-options.resolver.js';

/** An external issuer with defaults applied. Internal. */
export interface ResolvedExternalIssuer {
  issuer: string;
  jwksUrl: URL;
  audience: string | string[];
  algorithms: string[];
  subjectClaim: string;
  userField: string;
  maxTokenLifetime: number;
}

/**
 * The access-token section of the resolved options: the key ring, the claims written and required,
 * and the outside issuers also accepted. The refresh-token settings under `jwt` are the session
 * section's. Internal.
 */
export interface ResolvedJwtOptions {
  jwt: {
    /** Every key of the ring, the signing key included. */
    keys: ResolvedJwtKey[];
    /**
     * The key that signs. On a resource server, which signs nothing, the first key of the ring, kept
     * without its `signKey` even when a private key was given.
     */
    signingKey: ResolvedJwtKey;
    /** Access tokens carry the `perms` claim (`jwt.permissionsClaim`). */
    permissionsClaim: boolean;
    issuer: string;
    audience: string;
    accessTokenTtl: number;
    leeway: number;
    /** `jwt.fromRequest`; undefined: the `Authorization: Bearer` header. */
    fromRequest?: JwtFromRequest;
  };
  externalIssuers: ResolvedExternalIssuer[];
}

/** The algorithms an outside issuer or a pasted JWK Set may sign with: asymmetric ones only. */
const PUBLIC_KEY_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/**
 * Applies defaults to the JWT options and builds the key ring (from `jwt.secret` or
 * `AUTH_JWT_SECRET` when no keys are given); what is wrong goes to `problems`. `undefined` when there
 * is no signing key, which a problem always explains.
 */
export function resolveJwtOptions(
  problems: string[],
  input: AuthModuleOptions,
  structural: ResolvedStructuralOptions,
  usernameField: string,
  env: NodeJS.ProcessEnv,
): ResolvedJwtOptions | undefined {
  const jwt = input.jwt ?? {};
  const keys = structural.resourceServer
    ? resourceServerKeys(problems, jwt)
    : [...jwtKeys(problems, jwt, env), ...jwksKeys(problems, jwt.jwks)];
  if (jwt.jwks !== undefined) {
    const kids = keys.map((key) => key.kid);
    const duplicated = kids.find((kid, index) => kids.indexOf(kid) !== index);
    if (duplicated !== undefined) {
      problems.push(`jwt.keys and jwt.jwks: kid ${duplicated} is given twice.`);
    }
  }
  const signingKid = jwt.signingKeyId ?? keys[0]?.kid;
  const signingKey = structural.resourceServer
    ? keys[0] && { ...keys[0], signKey: undefined }
    : keys.find((key) => key.kid === signingKid);
  if (structural.resourceServer) {
    if (input.externalIssuers?.length) {
      problems.push(
        "mode 'resource-server' cannot take externalIssuers: they map tokens to users of a local user table. List the issuer's public keys in jwt.keys or jwt.jwks.",
      );
    }
  } else if (keys.length && !signingKey) {
    problems.push(`jwt.signingKeyId ${String(jwt.signingKeyId)} names no key of jwt.keys.`);
  } else if (signingKey && !signingKey.signKey) {
    problems.push(`jwt.keys: the signing key ${signingKey.kid} has no privateKey.`);
  }
  if (jwt.permissionsClaim !== undefined && typeof jwt.permissionsClaim !== 'boolean') {
    problems.push('jwt.permissionsClaim must be true or false.');
  }
  const defaults = AUTH_DEFAULTS.jwt;
  const settings = {
    permissionsClaim: (jwt.permissionsClaim ?? defaults.permissionsClaim) === true,
    issuer: nonEmptyString(problems, 'jwt.issuer', jwt.issuer, defaults.issuer),
    audience: nonEmptyString(problems, 'jwt.audience', jwt.audience, defaults.audience),
    accessTokenTtl: positiveInteger(
      problems,
      'jwt.accessTokenTtl',
      jwt.accessTokenTtl,
      defaults.accessTokenTtl,
    ),
    leeway: positiveInteger(problems, 'jwt.leeway', jwt.leeway, defaults.leeway, 0),
    fromRequest: jwtFromRequest(problems, jwt.fromRequest),
  };
  const issuers = externalIssuers(problems, input.externalIssuers, usernameField);
  if (!signingKey) return undefined;
  return { jwt: { keys, signingKey, ...settings }, externalIssuers: issuers };
}

function externalIssuers(
  problems: string[],
  issuers: AuthModuleOptions['externalIssuers'],
  usernameField: string,
): ResolvedExternalIssuer[] {
  const defaults = AUTH_DEFAULTS.externalIssuer;
  return (issuers ?? AUTH_DEFAULTS.externalIssuers).flatMap((issuer, index) => {
    const label = `externalIssuers[${index}]`;
    let jwksUrl: URL;
    try {
      jwksUrl = new URL(issuer.jwksUrl);
      if (jwksUrl.protocol !== 'https:' && jwksUrl.protocol !== 'http:') throw new Error('scheme');
    } catch {
      problems.push(`${label}.jwksUrl must be an https:// (or http://) URL.`);
      return [];
    }
    if (typeof issuer.issuer !== 'string' || issuer.issuer.length === 0) {
      problems.push(`${label}.issuer must be the exact iss of its tokens.`);
      return [];
    }
    if (!issuer.audience || (Array.isArray(issuer.audience) && issuer.audience.length === 0)) {
      problems.push(`${label}.audience is required: the aud its tokens carry for this API.`);
      return [];
    }
    const algorithms: string[] = issuer.algorithms ?? [...defaults.algorithms];
    const unknown = algorithms.filter(
      (algorithm) => !PUBLIC_KEY_ALGORITHMS.includes(algorithm as JwtAlgorithm),
    );
    if (unknown.length || algorithms.length === 0) {
      problems.push(`${label}.algorithms must be among ${PUBLIC_KEY_ALGORITHMS.join(', ')}.`);
      return [];
    }
    return [
      {
        issuer: issuer.issuer,
        jwksUrl,
        audience: issuer.audience,
        algorithms,
        subjectClaim: issuer.subjectClaim ?? defaults.subjectClaim,
        userField: issuer.userField ?? usernameField,
        maxTokenLifetime: positiveInteger(
          problems,
          `${label}.maxTokenLifetime`,
          issuer.maxTokenLifetime,
          defaults.maxTokenLifetime,
        ),
      },
    ];
  });
}

/** The key ring from `jwt.keys`, or a one-key HS256 ring from `jwt.secret` / AUTH_JWT_SECRET. */
function jwtKeys(
  problems: string[],
  jwt: AuthJwtOptions,
  env: NodeJS.ProcessEnv,
): ResolvedJwtKey[] {
  if (jwt.keys !== undefined) {
    if (jwt.secret !== undefined) problems.push('Give jwt.secret or jwt.keys, not both.');
    if (!Array.isArray(jwt.keys) || jwt.keys.length === 0) {
      problems.push('jwt.keys must be a non-empty array of keys.');
      return [];
    }
    return resolveJwtKeys(jwt.keys, problems);
  }
  const secret = jwt.secret ?? env.AUTH_JWT_SECRET;
  if (secret === undefined || secret === null || secret === '') {
    problems.push(
      'jwt.secret is missing: set the AUTH_JWT_SECRET environment variable or pass jwt.secret (at least 32 bytes, e.g. `openssl rand -base64 48`).',
    );
    return [];
  }
  return resolveJwtKeys([{ algorithm: 'HS256', secret }], problems, 'jwt.secret');
}

/**
 * The verify-only keys of a resource server: `jwt.keys` and `jwt.jwks`, public keys only. A shared
 * HS secret is refused, since whoever holds it can mint tokens for any user of the issuer.
 */
function resourceServerKeys(problems: string[], jwt: AuthJwtOptions): ResolvedJwtKey[] {
  if (jwt.secret !== undefined) {
    problems.push(
      "mode 'resource-server' verifies with the issuer's public keys: jwt.secret (a shared HS secret) would let this service mint tokens. Give jwt.keys with publicKey, or jwt.jwks.",
    );
  }
  const given = jwt.keys ?? [];
  if (!Array.isArray(given)) {
    problems.push('jwt.keys must be an array of keys.');
    return [];
  }
  const hmac = given.filter(
    (key) => typeof key?.algorithm === 'string' && /^HS/.test(key.algorithm),
  );
  if (hmac.length) {
    problems.push(
      `mode 'resource-server' verifies with public keys only: jwt.keys has ${hmac.map((key) => key.algorithm).join(', ')} (a shared secret would let this service mint tokens).`,
    );
  }
  const keys = [
    ...resolveJwtKeys(
      given.filter((key) => !hmac.includes(key)),
      problems,
    ),
    ...jwksKeys(problems, jwt.jwks),
  ];
  if (keys.length === 0 && jwt.secret === undefined && hmac.length === 0) {
    problems.push(
      "mode 'resource-server' needs the issuer's public keys: jwt.keys ([{ kid, algorithm, publicKey }]) or jwt.jwks (the issuer's /.well-known/jwks.json document).",
    );
  }
  return keys;
}

/** The keys of `jwt.jwks`, each verify-only, with the `kid` and `alg` it names. */
function jwksKeys(problems: string[], jwks: AuthJwtOptions['jwks']): ResolvedJwtKey[] {
  if (jwks === undefined) return [];
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
    problems.push('jwt.jwks must be a JWK Set: { keys: [ ... ] }.');
    return [];
  }
  const keys: ResolvedJwtKey[] = [];
  jwks.keys.forEach((jwk, index) => {
    const label = `jwt.jwks.keys[${index}]`;
    const algorithm = (jwk as { alg?: unknown } | null)?.alg;
    const kid = (jwk as { kid?: unknown } | null)?.kid;
    const use = (jwk as { use?: unknown } | null)?.use;
    if (
      typeof algorithm !== 'string' ||
      !PUBLIC_KEY_ALGORITHMS.includes(algorithm as JwtAlgorithm)
    ) {
      problems.push(
        `${label}: alg must be one of ${PUBLIC_KEY_ALGORITHMS.join(', ')}; got ${String(algorithm)}.`,
      );
    } else if (typeof kid !== 'string' || kid.length === 0) {
      problems.push(`${label}: kid is required (it picks the key for a token's kid header).`);
    } else if (use !== undefined && use !== 'sig') {
      problems.push(`${label}: use must be "sig"; got ${String(use)}.`);
    } else {
      const key: JwtKeyOptions = { kid, algorithm: algorithm as JwtAlgorithm, publicKey: jwk };
      keys.push(...resolveJwtKeys([key], problems, `${label} (kid ${kid})`));
    }
  });
  return keys;
}

function jwtFromRequest(problems: string[], value: unknown): JwtFromRequest | undefined {
  if (value === undefined || typeof value === 'function')
    return value as JwtFromRequest | undefined;
  problems.push(
    "jwt.fromRequest must be a function of the request, such as one of passport-jwt's ExtractJwt extractors.",
  );
  return undefined;
}
