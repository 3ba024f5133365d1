import { Injectable } from '@nestjs/common';
import { InvalidTokenException } from '../errors/auth.exception.js';
import { isPermissionCodename } from '../permissions/permission-codename.js';
import type { AccessTokenInfo } from './jwt.backend.js';
import { ALL_PERMISSIONS_CLAIM, PERMISSIONS_CLAIM } from '../permissions/permissions-claim.js';
import type { TokenUser } from '../users/token-user.interface.js';

/**
 * Builds the {@link TokenUser} of a verified access token's claims. Registered only on a resource
 * server; the JWT backend uses it instead of the user table. One user per claims object: the key ring
 * hands back the same frozen claims for a token it remembers, so a reused token allocates nothing.
 * Internal.
 */
@Injectable()
export class TokenUsers {
  private readonly known = new WeakMap<object, [TokenUser, AccessTokenInfo]>();

  /**
   * The user and token info of claims the backend has checked (`typ`, `sub`, `sid`, `jti`, `iat`,
   * `exp`).
   *
   * @throws InvalidTokenException when `perms` is present but not a list of codenames (or `['*']`).
   */
  of(
    claims: Record<string, unknown> & { sub: string; sid: string; jti: string },
  ): [TokenUser, AccessTokenInfo] {
    const known = this.known.get(claims);
    if (known !== undefined) return known;
    const permissions = permissionsOf(claims[PERMISSIONS_CLAIM]);
    const user: TokenUser = Object.freeze({
      id: claims.sub,
      isActive: true,
      isSuperuser: permissions.length === 1 && permissions[0] === ALL_PERMISSIONS_CLAIM,
      permissions,
      sessionId: claims.sid,
    });
    const info: AccessTokenInfo = Object.freeze({
      strategy: 'jwt',
      sessionId: claims.sid,
      tokenId: claims.jti,
    });
    const pair: [TokenUser, AccessTokenInfo] = [user, info];
    if (Object.isFrozen(claims)) this.known.set(claims, pair);
    return pair;
  }
}

function permissionsOf(claim: unknown): readonly string[] {
  if (claim === undefined) return Object.freeze([]);
  if (!Array.isArray(claim)) throw new InvalidTokenException();
  const isAll = claim.length === 1 && claim[0] === ALL_PERMISSIONS_CLAIM;
  if (!isAll && !claim.every(isPermissionCodename)) throw new InvalidTokenException();
  return Object.freeze([...(claim as string[])]);
}
