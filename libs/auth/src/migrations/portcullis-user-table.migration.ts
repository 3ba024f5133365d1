import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOrAdoptTables, dropTables, type TableDefinition } from './table-migration.js';

// Generated like PortcullisInit1764000000000's statements, from the built-in `User` entity.
const USER_TABLE: readonly TableDefinition[] = [
  {
    name: 'users',
    columns: [
      'passwordHash',
      'isActive',
      'isStaff',
      'isSuperuser',
      'dateJoined',
      'lastLogin',
      'id',
      'username',
      'email',
    ],
    create: {
      sqlite: [
        'CREATE TABLE "users" ("passwordHash" varchar(255), "isActive" boolean NOT NULL DEFAULT (1), "isStaff" boolean NOT NULL DEFAULT (0), "isSuperuser" boolean NOT NULL DEFAULT (0), "dateJoined" datetime NOT NULL DEFAULT (datetime(\'now\')), "lastLogin" datetime, "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "username" varchar(150) NOT NULL, "email" varchar(254), CONSTRAINT "UQ_fe0bb3f6520ee0469504521e710" UNIQUE ("username"))',
      ],
      postgres: [
        'CREATE TABLE "users" ("passwordHash" character varying(255), "isActive" boolean NOT NULL DEFAULT true, "isStaff" boolean NOT NULL DEFAULT false, "isSuperuser" boolean NOT NULL DEFAULT false, "dateJoined" TIMESTAMP NOT NULL DEFAULT now(), "lastLogin" TIMESTAMP, "id" SERIAL NOT NULL, "username" character varying(150) NOT NULL, "email" character varying(254), CONSTRAINT "UQ_fe0bb3f6520ee0469504521e710" UNIQUE ("username"), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))',
      ],
      mysql: [
        'CREATE TABLE `users` (`passwordHash` varchar(255) NULL, `isActive` tinyint NOT NULL DEFAULT 1, `isStaff` tinyint NOT NULL DEFAULT 0, `isSuperuser` tinyint NOT NULL DEFAULT 0, `dateJoined` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), `lastLogin` datetime NULL, `id` int NOT NULL AUTO_INCREMENT, `username` varchar(150) NOT NULL, `email` varchar(254) NULL, UNIQUE INDEX `IDX_fe0bb3f6520ee0469504521e71` (`username`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
      ],
    },
  },
];

/**
 * The table of the built-in `User` entity (`users`). Include it when the app uses that entity (no
 * `userEntity` option); an app with its own user entity, including one that extends `User`, owns its
 * table and generates that migration itself. A `users` table that already exists with the built-in
 * columns is kept with its rows; one with other columns stops the run with a
 * {@link PortcullisMigrationError}. Usually included through {@link portcullisMigrations}.
 */
export class PortcullisUserTable1764000000001 implements MigrationInterface {
  /** Fixed, so bundlers that rename classes do not change what TypeORM records. */
  readonly name = 'PortcullisUserTable1764000000001';

  /** Creates the `users` table (or keeps it when it exists). */
  async up(queryRunner: QueryRunner): Promise<void> {
    await createOrAdoptTables(
      queryRunner,
      this.name,
      USER_TABLE,
      ' If the app has its own user entity, leave this migration out: portcullisMigrations({ includeUserTable: false }).',
    );
  }

  /** Drops the `users` table, rows included. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await dropTables(queryRunner, USER_TABLE);
  }
}
