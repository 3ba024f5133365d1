import { Injectable } from '@nestjs/common';
import { InvalidTokenException } from '../errors/auth.exception.js';
import { isPermissionCodename } from '../permissions/permission-codename.js';
import type { AccessTokenInfo } from './jwt.backend.js';

/** The access-token claim that carries the user's effective permissions (`jwt.permissionsClaim`). */
export const PERMISSIONS_CLAIM = 'perms';

/** The whole `perms` claim of a superuser: every permission. Never a codename (codenames have dots). */
export const ALL_PERMISSIONS_CLAIM = '*';

/**
 * The user on the request of a resource server (`mode: 'resource-server'`), built from a verified
 * access token alone: no database holds it here.
 *
 * @example
 * ```ts
 * @Get('me')
 * me(@CurrentUser() user: TokenUser) { return { id: user.id, permissions: user.permissions }; }
 * ```
 */
export interface TokenUser {
  /** The token's `sub`: the user's id at the issuer, as a string. */
  readonly id: string;
  /** Always true: the issuer signs tokens for active users only. */
  readonly isActive: true;
  /** True when the token's `perms` claim is `['*']`, the issuer's superuser. */
  readonly isSuperuser: boolean;
  /**
   * The codenames of the token's `perms` claim (`[]` when the issuer does not send it, so every
   * `@Permissions()` route answers 403). `['*']` for a superuser.
   */
  readonly permissions: readonly string[];
  /** The session at the issuer the token belongs to (its `sid`). */
  readonly sessionId: string;
}

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
