/**
 * What Portcullis reads from a user entity. Besides these, the entity has a primary key (number, string
 * or UUID) and the login handle property named by the `usernameField` option.
 */
export interface AuthUser {
  /** argon2id PHC string; `null` means the account has no usable password. */
  passwordHash?: string | null;
  /** Inactive users cannot authenticate. Treated as `true` when the entity has no such column. */
  isActive?: boolean;
  /** May use staff-only areas. */
  isStaff?: boolean;
  /** Holds every permission. */
  isSuperuser?: boolean;
  /** Written on each explicit login when the entity has the column. */
  lastLogin?: Date | null;
}
