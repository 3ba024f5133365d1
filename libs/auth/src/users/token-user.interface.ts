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
