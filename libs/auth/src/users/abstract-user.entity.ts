import { Column, CreateDateColumn } from 'typeorm';
import type { AuthUser } from './auth-user.interface.js';

/**
 * Base class for an application's own user entity: the columns every Portcullis user needs, whatever
 * its primary key and login handle. The subclass declares its primary key and its handle column
 * (TypeORM keeps the first definition of an inherited column, so a base class cannot leave them
 * overridable).
 *
 * `toJSON()` leaves `passwordHash` out, so returning a user from a controller never leaks it.
 *
 * @example
 * ```ts
 * @Entity('accounts')
 * export class Account extends AbstractUser {
 *   @PrimaryGeneratedColumn('uuid') id!: string;
 *   @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
 *   @Column({ type: 'varchar', length: 100, default: '' }) displayName!: string;
 * }
 * // AuthModule.forRoot({ userEntity: Account, usernameField: 'email' })
 * ```
 */
export abstract class AbstractUser implements AuthUser {
  /** argon2id PHC string, or `null` for an account without a usable password. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  /** Inactive users cannot log in and their tokens stop working. */
  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  /** May use staff-only areas. */
  @Column({ type: 'boolean', default: false })
  isStaff!: boolean;

  /** Holds every permission. */
  @Column({ type: 'boolean', default: false })
  isSuperuser!: boolean;

  /** When the account was created. */
  @CreateDateColumn()
  dateJoined!: Date;

  /** When the user last logged in through the login route, or `null`. */
  @Column({ type: Date, nullable: true })
  lastLogin!: Date | null;

  /** JSON form of the user, without `passwordHash`. */
  toJSON(): Record<string, unknown> {
    const { passwordHash: _omitted, ...rest } = this as Record<string, unknown>;
    void _omitted;
    return rest;
  }
}
