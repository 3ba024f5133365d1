// `portcullis/migrations`: the library's TypeORM migrations, for an app that runs them itself.
export { portcullisMigrations } from './portcullis-migrations.js';
export type { MigrationClass, PortcullisMigrationsOptions } from './portcullis-migrations.js';
export { PortcullisInit1764000000000 } from './portcullis-init.migration.js';
export { PortcullisUserTable1764000000001 } from './portcullis-user-table.migration.js';
export { PortcullisAccountFlows1764000000002 } from './portcullis-account-flows.migration.js';
export { PortcullisMigrationError } from './portcullis-migration.error.js';
