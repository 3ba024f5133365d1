import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A one-time token of a mail flow (password reset, email verification, change of email, sign-in
 * link): library-owned table `auth_one_time_tokens`. Only a SHA-256 digest of the token is stored, so
 * a copy of the table opens nothing. A row is used once (`usedAt`), expires, and is voided by a newer
 * token of the same purpose and user.
 */
@Entity('auth_one_time_tokens')
@Index(['userId', 'purpose'])
export class OneTimeToken {
  /** Random UUID. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** `password_reset`, `email_verification`, `email_change` or `magic_link`. */
  @Column({ type: 'varchar', length: 32 })
  purpose!: string;

  /** The user's primary key, stringified. */
  @Column({ type: 'varchar', length: 255 })
  userId!: string;

  /** SHA-256 of the token (base64url). */
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64 })
  digest!: string;

  /** The address the token is about (the one to verify, or the new one of a change). */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  /** For sign-in codes: SHA-256 of the row id and the code. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  codeDigest!: string | null;

  /** Wrong codes tried against this row. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /**
   * A fingerprint of what the token depends on (the password hash for a reset), so a change made
   * anywhere, even in SQL, voids it.
   */
  @Column({ type: 'varchar', length: 64, nullable: true })
  stamp!: string | null;

  @CreateDateColumn()
  createdAt!: Date;

  /** After this instant the token no longer works. */
  @Column({ type: Date })
  expiresAt!: Date;

  /** When it was used or voided, or `null` while it is live. */
  @Column({ type: Date, nullable: true })
  usedAt!: Date | null;
}
