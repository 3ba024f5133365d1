import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The address a user verified: library-owned table `auth_verified_emails`, one row per user. The
 * user's address counts as verified while it equals this one (compared case-insensitively), so an
 * address changed anywhere else, even in SQL, is unverified until it is confirmed; no column is
 * needed on the user entity.
 */
@Entity('auth_verified_emails')
export class VerifiedEmail {
  /** The user's primary key, stringified. */
  @PrimaryColumn({ type: 'varchar', length: 255 })
  userId!: string;

  /** The verified address, normalised (trimmed, lower-cased). */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  /** When it was verified. */
  @Column({ type: Date })
  verifiedAt!: Date;
}
