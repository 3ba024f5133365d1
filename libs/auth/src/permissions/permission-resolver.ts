/** Every permission: what a superuser holds. */
export const ALL_PERMISSIONS = 'all' as const;

/** The permissions a user holds: a set of codenames, or every permission. */
export type PermissionSet = ReadonlySet<string> | typeof ALL_PERMISSIONS;

/**
 * Decides what a user may do. The default reads Portcullis' permission tables; provide your own class
 * under this token (it is an abstract class, usable as an injection token) to ask a policy engine
 * instead, with no other change to the app.
 *
 * @example
 * ```ts
 * @Injectable()
 * class OpaResolver extends PermissionResolver {
 *   async permissionsOf(user: Account) { return new Set(await opa.permissions(user.id)); }
 * }
 * // providers: [{ provide: PermissionResolver, useClass: OpaResolver }] in a global module, or
 * // AuthModule.forRoot({ permissionResolver: OpaResolver })
 * ```
 */
export abstract class PermissionResolver {
  /** The permissions of an authenticated, active user. */
  abstract permissionsOf(user: object): Promise<PermissionSet>;

  /**
   * Optional: the permissions of the user when the resolver has them at hand (cached), else
   * undefined, without a promise. `PermissionsGuard` asks this first, so that a request whose answer is
   * known needs no promise; a resolver without it is always asked {@link PermissionResolver.permissionsOf}.
   */
  cachedPermissionsOf?(user: object): PermissionSet | undefined;
}
