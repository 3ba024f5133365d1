import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOrAdoptTables, dropTables, type TableDefinition } from './table-migration.js';

// Generated like PortcullisInit1764000000000's statements, from the OneTimeToken and VerifiedEmail
// entities of the mail flows.
const ACCOUNT_FLOW_TABLES: readonly TableDefinition[] = [
  {
    name: 'auth_one_time_tokens',
    columns: [
      'id',
      'purpose',
      'userId',
      'digest',
      'email',
      'codeDigest',
      'attempts',
      'stamp',
      'createdAt',
      'expiresAt',
      'usedAt',
    ],
    create: {
      sqlite: [
        'CREATE TABLE "auth_one_time_tokens" ("id" varchar(36) PRIMARY KEY NOT NULL, "purpose" varchar(32) NOT NULL, "userId" varchar(255) NOT NULL, "digest" varchar(64) NOT NULL, "email" varchar(254), "codeDigest" varchar(64), "attempts" integer NOT NULL DEFAULT (0), "stamp" varchar(64), "createdAt" datetime NOT NULL DEFAULT (datetime(\'now\')), "expiresAt" datetime NOT NULL, "usedAt" datetime)',
        'CREATE UNIQUE INDEX "IDX_66e238f470ffcc5c73e67c0198" ON "auth_one_time_tokens" ("digest")',
        'CREATE INDEX "IDX_ce7da7bbbafe915fb63b9b8da4" ON "auth_one_time_tokens" ("userId", "purpose")',
      ],
      postgres: [
        'CREATE TABLE "auth_one_time_tokens" ("id" character varying(36) NOT NULL, "purpose" character varying(32) NOT NULL, "userId" character varying(255) NOT NULL, "digest" character varying(64) NOT NULL, "email" character varying(254), "codeDigest" character varying(64), "attempts" integer NOT NULL DEFAULT \'0\', "stamp" character varying(64), "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "expiresAt" TIMESTAMP NOT NULL, "usedAt" TIMESTAMP, CONSTRAINT "PK_75f13731b8ec561f0adc91d73c7" PRIMARY KEY ("id"))',
        'CREATE UNIQUE INDEX "IDX_66e238f470ffcc5c73e67c0198" ON "auth_one_time_tokens" ("digest")',
        'CREATE INDEX "IDX_ce7da7bbbafe915fb63b9b8da4" ON "auth_one_time_tokens" ("userId", "purpose")',
      ],
      mysql: [
        "CREATE TABLE `auth_one_time_tokens` (`id` varchar(36) NOT NULL, `purpose` varchar(32) NOT NULL, `userId` varchar(255) NOT NULL, `digest` varchar(64) NOT NULL, `email` varchar(254) NULL, `codeDigest` varchar(64) NULL, `attempts` int NOT NULL DEFAULT '0', `stamp` varchar(64) NULL, `createdAt` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), `expiresAt` datetime NOT NULL, `usedAt` datetime NULL, UNIQUE INDEX `IDX_66e238f470ffcc5c73e67c0198` (`digest`), INDEX `IDX_ce7da7bbbafe915fb63b9b8da4` (`userId`, `purpose`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
      ],
    },
  },
  {
    name: 'auth_verified_emails',
    columns: ['userId', 'email', 'verifiedAt'],
    create: {
      sqlite: [
        'CREATE TABLE "auth_verified_emails" ("userId" varchar(255) PRIMARY KEY NOT NULL, "email" varchar(254) NOT NULL, "verifiedAt" datetime NOT NULL)',
      ],
      postgres: [
        'CREATE TABLE "auth_verified_emails" ("userId" character varying(255) NOT NULL, "email" character varying(254) NOT NULL, "verifiedAt" TIMESTAMP NOT NULL, CONSTRAINT "PK_af66abf9f7b594cc303b852bf7f" PRIMARY KEY ("userId"))',
      ],
      mysql: [
        'CREATE TABLE `auth_verified_emails` (`userId` varchar(255) NOT NULL, `email` varchar(254) NOT NULL, `verifiedAt` datetime NOT NULL, PRIMARY KEY (`userId`)) ENGINE=InnoDB',
      ],
    },
  },
];

/**
 * The tables of the mail flows (password reset, email verification and change, magic links):
 * `auth_one_time_tokens` (digests of one-time tokens and codes) and `auth_verified_emails`. Existing
 * tables made by `synchronize` are kept with their rows. Usually included through
 * {@link portcullisMigrations}; the tables are made whether or not a mail flow is on, so turning one
 * on later needs no migration.
 */
export class PortcullisAccountFlows1764000000002 implements MigrationInterface {
  /** Fixed, so bundlers that rename classes do not change what TypeORM records. */
  readonly name = 'PortcullisAccountFlows1764000000002';

  /** Creates the tables (or keeps them when they exist). */
  async up(queryRunner: QueryRunner): Promise<void> {
    await createOrAdoptTables(queryRunner, this.name, ACCOUNT_FLOW_TABLES);
  }

  /** Drops the tables, rows included. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await dropTables(queryRunner, ACCOUNT_FLOW_TABLES);
  }
}
