import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A login session: one per refresh-token family, created at login and ended by logout, a password
 * change, deactivation or deletion of its user, an administrator, reuse of a consumed refresh token,
 * or newer logins past `maxSessionsPerUser`. Library-owned table
 * `auth_sessions`; the user is referenced by stringified id, so any user entity works.
 */
@Entity('auth_sessions')
export class AuthSession {
  /** Random UUID; also the `sid` claim of every token of the session. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The user's primary key, stringified. */
  @Index()
  @Column({ type: 'varchar', length: 255 })
  userId!: string;

  @CreateDateColumn()
  createdAt!: Date;

  /** Last login or refresh on this session. */
  @Column({ type: Date })
  lastUsedAt!: Date;

  /** Absolute end of the session: no refresh is possible after it. */
  @Column({ type: Date })
  expiresAt!: Date;

  /** The `User-Agent` at login, cut to 512 characters. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  /** The client address at login. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  /** When the session was ended, or `null` while it is live. */
  @Index()
  @Column({ type: Date, nullable: true })
  revokedAt!: Date | null;

  /**
   * Why it ended: `logout`, `password_changed`, `deactivated`, `user_deleted`, `refresh_reuse`,
   * `revoked`, `session_limit` (see `SessionEndReason`).
   */
  @Column({ type: 'varchar', length: 32, nullable: true })
  revokedReason!: string | null;
}
