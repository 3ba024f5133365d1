import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { DEFAULT_DATABASE_URL, databaseOptionsFromUrl } from './database.js';
import { EXAMPLE_APP_MIGRATIONS } from './migrations/index.js';
import { Note } from './notes/note.entity.js';

/**
 * The example app's database for the TypeORM CLI (`npm run migration:run`, or
 * `npx typeorm migration:generate -d dist/data-source.js src/migrations/<Name>` after `npm run build`).
 * The entities are the app's own: Portcullis' tables, built-in `users` included, come from its
 * migrations, so a generated migration holds only what the app itself changed.
 */
export default new DataSource({
  ...databaseOptionsFromUrl(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL),
  entities: [Note],
  migrations: EXAMPLE_APP_MIGRATIONS,
});
