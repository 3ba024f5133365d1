import type { MigrationInterface, QueryRunner } from 'typeorm';

// What `typeorm migration:generate` writes for the Note entity, once per database the example runs on.
const CREATE_NOTES: Readonly<Record<string, readonly string[]>> = {
  'better-sqlite3': [
    'CREATE TABLE "notes" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "title" varchar(200) NOT NULL, "body" text NOT NULL, "ownerId" varchar(64) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    'CREATE INDEX "IDX_8fcc29811c424b531ac9a341d2" ON "notes" ("ownerId")',
  ],
  postgres: [
    'CREATE TABLE "notes" ("id" SERIAL NOT NULL, "title" character varying(200) NOT NULL, "body" text NOT NULL, "ownerId" character varying(64) NOT NULL, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_af6206538ea96c4e77e9f400c3d" PRIMARY KEY ("id"))',
    'CREATE INDEX "IDX_8fcc29811c424b531ac9a341d2" ON "notes" ("ownerId")',
  ],
  mysql: [
    'CREATE TABLE `notes` (`id` int NOT NULL AUTO_INCREMENT, `title` varchar(200) NOT NULL, `body` text NOT NULL, `ownerId` varchar(64) NOT NULL, `createdAt` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), INDEX `IDX_8fcc29811c424b531ac9a341d2` (`ownerId`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
  ],
};

/** The example app's `notes` table. */
export class CreateNotes1764000001000 implements MigrationInterface {
  readonly name = 'CreateNotes1764000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Before migrations, the example made `notes` with `synchronize` from this same entity: such a
    // database keeps its table and rows, and only the migration's record is added.
    if (await queryRunner.hasTable('notes')) return;
    const type = queryRunner.connection.driver.options.type;
    const statements = CREATE_NOTES[type === 'mariadb' ? 'mysql' : type];
    if (!statements) throw new Error(`The example app has no notes migration for ${type}.`);
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${queryRunner.connection.driver.escape('notes')}`);
  }
}
