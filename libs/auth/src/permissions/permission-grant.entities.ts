import { CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A named group of permissions (`auth_groups`). */
@Entity('auth_groups')
export class AuthGroup {
  /** The group's name, e.g. `member`. */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name!: string;

  @CreateDateColumn()
  createdAt!: Date;
}

/** A permission held by a group (`auth_group_permissions`). */
@Entity('auth_group_permissions')
export class GroupPermission {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  groupName!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  codename!: string;
}

/** A permission granted to a user directly (`auth_user_permissions`; stringified user id). */
@Entity('auth_user_permissions')
export class UserPermission {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  userId!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  codename!: string;
}

/** A user's membership of a group (`auth_user_groups`; stringified user id). */
@Entity('auth_user_groups')
export class UserGroup {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  userId!: string;

  @Index()
  @PrimaryColumn({ type: 'varchar', length: 100 })
  groupName!: string;
}
