import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One refresh token of a session's family, by its `jti`. A token is consumed exactly once, by a
 * conditional UPDATE that also names its successor; presenting it again later is reuse. Library-owned
 * table `auth_refresh_tokens`. The token itself is a signed JWT and is not stored.
 */
@Entity('auth_refresh_tokens')
export class RefreshTokenRecord {
  /** The token's `jti` (random UUID). */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The session (family) the token belongs to. */
  @Index()
  @Column({ type: 'varchar', length: 36 })
  sessionId!: string;

  @CreateDateColumn()
  createdAt!: Date;

  /** The token's `exp`: idle lifetime from issue, capped by the session's absolute end. */
  @Column({ type: Date })
  expiresAt!: Date;

  /** When the token was exchanged, or `null` while it is unused. */
  @Column({ type: Date, nullable: true })
  consumedAt!: Date | null;

  /** The `jti` of the token issued in exchange. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  successorId!: string | null;
}
