import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An API key. Only a keyed digest of its secret is stored (HMAC-SHA-256 with the server pepper named
 * by `pepperId`); the key itself exists only in the response that created it. Library-owned table
 * `auth_api_keys`; the owner is referenced by stringified id, so any user entity works.
 */
@Entity('auth_api_keys')
export class ApiKey {
  /** The public id embedded in the key, used to find it. */
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id!: string;

  /** The owner's primary key, stringified. */
  @Index()
  @Column({ type: 'varchar', length: 255 })
  userId!: string;

  /** A name the owner chose, e.g. `ci`. */
  @Column({ type: 'varchar', length: 100 })
  label!: string;

  /**
   * Permission codenames the key is limited to; an empty list means the owner's full rights. Scopes
   * narrow the owner's permissions, never widen them.
   */
  @Column({ type: 'simple-json' })
  scopes!: string[];

  /** Hex HMAC-SHA-256 of the secret part. */
  @Column({ type: 'varchar', length: 64 })
  digest!: string;

  /** Which pepper made `digest`. */
  @Column({ type: 'varchar', length: 32 })
  pepperId!: string;

  @CreateDateColumn()
  createdAt!: Date;

  /** After this the key stops working; `null` for no expiry. */
  @Column({ type: Date, nullable: true })
  expiresAt!: Date | null;

  /** Last use, written at most once a minute per key. */
  @Column({ type: Date, nullable: true })
  lastUsedAt!: Date | null;

  /** When the key was revoked, or `null`. */
  @Index()
  @Column({ type: Date, nullable: true })
  revokedAt!: Date | null;
}
