import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOrAdoptTables, dropTables, type TableDefinition } from './table-migration.js';

// The statements are what TypeORM's schema builder (`createSchemaBuilder().log()`) writes for the
// entities on an empty database of each kind, so this migration and `synchronize` make the same schema;
// test/migrations.e2e-spec.ts fails when an entity changes without a new migration.
const LIBRARY_TABLES: readonly TableDefinition[] = [
  {
    name: 'auth_sessions',
    columns: [
      'id',
      'userId',
      'createdAt',
      'lastUsedAt',
      'expiresAt',
      'userAgent',
      'ip',
      'revokedAt',
      'revokedReason',
    ],
    create: {
      sqlite: [
        'CREATE TABLE "auth_sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "userId" varchar(255) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime(\'now\')), "lastUsedAt" datetime NOT NULL, "expiresAt" datetime NOT NULL, "userAgent" varchar(512), "ip" varchar(64), "revokedAt" datetime, "revokedReason" varchar(32))',
        'CREATE INDEX "IDX_925b24d7fc2f9324ce972aee02" ON "auth_sessions" ("userId")',
        'CREATE INDEX "IDX_360328fb619b74ce69b5ccf3db" ON "auth_sessions" ("revokedAt")',
      ],
      postgres: [
        'CREATE TABLE "auth_sessions" ("id" character varying(36) NOT NULL, "userId" character varying(255) NOT NULL, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "lastUsedAt" TIMESTAMP NOT NULL, "expiresAt" TIMESTAMP NOT NULL, "userAgent" character varying(512), "ip" character varying(64), "revokedAt" TIMESTAMP, "revokedReason" character varying(32), CONSTRAINT "PK_641507381f32580e8479efc36cd" PRIMARY KEY ("id"))',
        'CREATE INDEX "IDX_925b24d7fc2f9324ce972aee02" ON "auth_sessions" ("userId")',
        'CREATE INDEX "IDX_360328fb619b74ce69b5ccf3db" ON "auth_sessions" ("revokedAt")',
      ],
      mysql: [
        'CREATE TABLE `auth_sessions` (`id` varchar(36) NOT NULL, `userId` varchar(255) NOT NULL, `createdAt` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), `lastUsedAt` datetime NOT NULL, `expiresAt` datetime NOT NULL, `userAgent` varchar(512) NULL, `ip` varchar(64) NULL, `revokedAt` datetime NULL, `revokedReason` varchar(32) NULL, INDEX `IDX_925b24d7fc2f9324ce972aee02` (`userId`), INDEX `IDX_360328fb619b74ce69b5ccf3db` (`revokedAt`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
      ],
    },
  },
  {
    name: 'auth_refresh_tokens',
    columns: ['id', 'sessionId', 'createdAt', 'expiresAt', 'consumedAt', 'successorId'],
    create: {
      sqlite: [
        'CREATE TABLE "auth_refresh_tokens" ("id" varchar(36) PRIMARY KEY NOT NULL, "sessionId" varchar(36) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime(\'now\')), "expiresAt" datetime NOT NULL, "consumedAt" datetime, "successorId" varchar(36))',
        'CREATE INDEX "IDX_cff2ac8c5402b0a9bc8f5f40e1" ON "auth_refresh_tokens" ("sessionId")',
      ],
      postgres: [
        'CREATE TABLE "auth_refresh_tokens" ("id" character varying(36) NOT NULL, "sessionId" character varying(36) NOT NULL, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "expiresAt" TIMESTAMP NOT NULL, "consumedAt" TIMESTAMP, "successorId" character varying(36), CONSTRAINT "PK_df6893d2063a4ea7bbf1eda31e5" PRIMARY KEY ("id"))',
        'CREATE INDEX "IDX_cff2ac8c5402b0a9bc8f5f40e1" ON "auth_refresh_tokens" ("sessionId")',
      ],
      mysql: [
        'CREATE TABLE `auth_refresh_tokens` (`id` varchar(36) NOT NULL, `sessionId` varchar(36) NOT NULL, `createdAt` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), `expiresAt` datetime NOT NULL, `consumedAt` datetime NULL, `successorId` varchar(36) NULL, INDEX `IDX_cff2ac8c5402b0a9bc8f5f40e1` (`sessionId`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
      ],
    },
  },
  {
    name: 'auth_api_keys',
    columns: [
      'id',
      'userId',
      'label',
      'scopes',
      'digest',
      'pepperId',
      'createdAt',
      'expiresAt',
      'lastUsedAt',
      'revokedAt',
    ],
    create: {
      sqlite: [
        'CREATE TABLE "auth_api_keys" ("id" varchar(32) PRIMARY KEY NOT NULL, "userId" varchar(255) NOT NULL, "label" varchar(100) NOT NULL, "scopes" text NOT NULL, "digest" varchar(64) NOT NULL, "pepperId" varchar(32) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime(\'now\')), "expiresAt" datetime, "lastUsedAt" datetime, "revokedAt" datetime)',
        'CREATE INDEX "IDX_cbda9ca108cc0eb31b679e20cc" ON "auth_api_keys" ("userId")',
        'CREATE INDEX "IDX_723342fded2d78e6db71596ba8" ON "auth_api_keys" ("revokedAt")',
      ],
      postgres: [
        'CREATE TABLE "auth_api_keys" ("id" character varying(32) NOT NULL, "userId" character varying(255) NOT NULL, "label" character varying(100) NOT NULL, "scopes" text NOT NULL, "digest" character varying(64) NOT NULL, "pepperId" character varying(32) NOT NULL, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "expiresAt" TIMESTAMP, "lastUsedAt" TIMESTAMP, "revokedAt" TIMESTAMP, CONSTRAINT "PK_213df1e6b361c1e3d890cd6b87c" PRIMARY KEY ("id"))',
        'CREATE INDEX "IDX_cbda9ca108cc0eb31b679e20cc" ON "auth_api_keys" ("userId")',
        'CREATE INDEX "IDX_723342fded2d78e6db71596ba8" ON "auth_api_keys" ("revokedAt")',
      ],
      mysql: [
        'CREATE TABLE `auth_api_keys` (`id` varchar(32) NOT NULL, `userId` varchar(255) NOT NULL, `label` varchar(100) NOT NULL, `scopes` text NOT NULL, `digest` varchar(64) NOT NULL, `pepperId` varchar(32) NOT NULL, `createdAt` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), `expiresAt` datetime NULL, `lastUsedAt` datetime NULL, `revokedAt` datetime NULL, INDEX `IDX_cbda9ca108cc0eb31b679e20cc` (`userId`), INDEX `IDX_723342fded2d78e6db71596ba8` (`revokedAt`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
      ],
    },
  },
  {
    name: 'auth_groups',
    columns: ['name', 'createdAt'],
    create: {
      sqlite: [
        'CREATE TABLE "auth_groups" ("name" varchar(100) PRIMARY KEY NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime(\'now\')))',
      ],
      postgres: [
        'CREATE TABLE "auth_groups" ("name" character varying(100) NOT NULL, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_0bc6efa67ed5e4cfc63ad45b199" PRIMARY KEY ("name"))',
      ],
      mysql: [
        'CREATE TABLE `auth_groups` (`name` varchar(100) NOT NULL, `createdAt` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (`name`)) ENGINE=InnoDB',
      ],
    },
  },
  {
    name: 'auth_group_permissions',
    columns: ['groupName', 'codename'],
    create: {
      sqlite: [
        'CREATE TABLE "auth_group_permissions" ("groupName" varchar(100) NOT NULL, "codename" varchar(100) NOT NULL, PRIMARY KEY ("groupName", "codename"))',
      ],
      postgres: [
        'CREATE TABLE "auth_group_permissions" ("groupName" character varying(100) NOT NULL, "codename" character varying(100) NOT NULL, CONSTRAINT "PK_d309d2bf9708f62b314d0380885" PRIMARY KEY ("groupName", "codename"))',
      ],
      mysql: [
        'CREATE TABLE `auth_group_permissions` (`groupName` varchar(100) NOT NULL, `codename` varchar(100) NOT NULL, PRIMARY KEY (`groupName`, `codename`)) ENGINE=InnoDB',
      ],
    },
  },
  {
    name: 'auth_user_permissions',
    columns: ['userId', 'codename'],
    create: {
      sqlite: [
        'CREATE TABLE "auth_user_permissions" ("userId" varchar(255) NOT NULL, "codename" varchar(100) NOT NULL, PRIMARY KEY ("userId", "codename"))',
      ],
      postgres: [
        'CREATE TABLE "auth_user_permissions" ("userId" character varying(255) NOT NULL, "codename" character varying(100) NOT NULL, CONSTRAINT "PK_43b04dc1ea88c365e680ca7941d" PRIMARY KEY ("userId", "codename"))',
      ],
      mysql: [
        'CREATE TABLE `auth_user_permissions` (`userId` varchar(255) NOT NULL, `codename` varchar(100) NOT NULL, PRIMARY KEY (`userId`, `codename`)) ENGINE=InnoDB',
      ],
    },
  },
  {
    name: 'auth_user_groups',
    columns: ['userId', 'groupName'],
    create: {
      sqlite: [
        'CREATE TABLE "auth_user_groups" ("userId" varchar(255) NOT NULL, "groupName" varchar(100) NOT NULL, PRIMARY KEY ("userId", "groupName"))',
        'CREATE INDEX "IDX_f97ea3dfee721797ffdcbc1394" ON "auth_user_groups" ("groupName")',
      ],
      postgres: [
        'CREATE TABLE "auth_user_groups" ("userId" character varying(255) NOT NULL, "groupName" character varying(100) NOT NULL, CONSTRAINT "PK_7f13150c0b4dd78921fc4a9b713" PRIMARY KEY ("userId", "groupName"))',
        'CREATE INDEX "IDX_f97ea3dfee721797ffdcbc1394" ON "auth_user_groups" ("groupName")',
      ],
      mysql: [
        'CREATE TABLE `auth_user_groups` (`userId` varchar(255) NOT NULL, `groupName` varchar(100) NOT NULL, INDEX `IDX_f97ea3dfee721797ffdcbc1394` (`groupName`), PRIMARY KEY (`userId`, `groupName`)) ENGINE=InnoDB',
      ],
    },
  },
];

/**
 * The first Portcullis migration: the library's own tables (`auth_sessions`, `auth_refresh_tokens`,
 * `auth_api_keys`, `auth_groups`, `auth_group_permissions`, `auth_user_permissions`,
 * `auth_user_groups`) on SQLite (better-sqlite3), PostgreSQL and MySQL/MariaDB. A table that already
 * exists (a database made by `synchronize` before migrations shipped) is kept with its rows.
 * Usually included through {@link portcullisMigrations}.
 */
export class PortcullisInit1764000000000 implements MigrationInterface {
  /** Fixed, so bundlers that rename classes do not change what TypeORM records. */
  readonly name = 'PortcullisInit1764000000000';

  /** Creates the library tables (or keeps the ones that exist). */
  async up(queryRunner: QueryRunner): Promise<void> {
    await createOrAdoptTables(queryRunner, this.name, LIBRARY_TABLES);
  }

  /** Drops the library tables, rows included. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await dropTables(queryRunner, LIBRARY_TABLES);
  }
}
