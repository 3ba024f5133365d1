import { portcullisMigrations } from 'portcullis/migrations';

/**
 * Whether a suite of the example app's mail flows has TypeORM make the schema from the entities:
 * only until Portcullis' migrations make those flows' tables (the PortcullisAccountFlows migration);
 * from then on the suites run the migrations, as the example does.
 */
export const MAIL_FLOWS_NEED_SYNCHRONIZE = !portcullisMigrations().some((migration) =>
  migration.name.startsWith('PortcullisAccountFlows'),
);
