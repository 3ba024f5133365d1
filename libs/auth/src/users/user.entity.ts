import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { AbstractUser } from './abstract-user.entity.js';

/**
 * The built-in user entity (table `users`), used when no `userEntity` option is given: an integer key,
 * a unique `username` handle and an optional `email`.
 *
 * To add columns to this shape, extend it with your own entity:
 * ```ts
 * @Entity('members')
 * export class Member extends User {
 *   @Column({ type: 'varchar', length: 64, default: 'UTC' }) timezone!: string;
 * }
 * ```
 */
@Entity('users')
export class User extends AbstractUser {
  /** Auto-incremented primary key. */
  @PrimaryGeneratedColumn()
  id!: number;

  /** The login handle, stored normalised (see the `normalizeHandle` option). */
  @Column({ type: 'varchar', length: 150, unique: true })
  username!: string;

  /** Contact address; not a login handle for this entity. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;
}
