import { portcullisMigrations } from 'portcullis/migrations';
import { CreateNotes1764000001000 } from './create-notes.migration.js';

/** Every migration of the example app: Portcullis' tables (built-in `User` included), then its own. */
export const EXAMPLE_APP_MIGRATIONS = [...portcullisMigrations(), CreateNotes1764000001000];
