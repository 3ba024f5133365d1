import { DynamicModule, Module } from '@nestjs/common';
import { dirname, join } from 'node:path';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from 'portcullis';
import { databaseOptionsFromUrl } from './database.js';
import { exampleJwtSecret } from './jwt-secret.js';
import { NotesModule } from './notes/notes.module.js';
import { PagesController } from './pages/pages.controller.js';

/** Settings of the example app; each defaults from the environment. */
export interface ExampleAppSettings {
  /** DATABASE_URL: `sqlite:<file>`, `postgres://...` or `mysql://...`. */
  databaseUrl: string;
  /** AUTH_JWT_SECRET, or a generated one outside production. */
  jwtSecret: string;
  /**
   * Whether browser-session cookies are `Secure` (and `__Host-` prefixed). On in production; off for
   * plain-HTTP development on localhost.
   */
  secureCookies: boolean;
}

/** The example application: a notes API and two HTML pages, protected by Portcullis. */
@Module({})
export class AppModule {
  static forRoot(overrides: Partial<ExampleAppSettings> = {}): DynamicModule {
    const databaseUrl =
      overrides.databaseUrl ?? process.env.DATABASE_URL ?? 'sqlite:data/portcullis.sqlite';
    // Beside an SQLite file, a generated development secret is kept so restarts and the CLI share it.
    const sqliteFile = /^sqlite:(?!:memory:)(.+)$/.exec(databaseUrl)?.[1];
    const settings: ExampleAppSettings = {
      databaseUrl,
      jwtSecret:
        overrides.jwtSecret ??
        exampleJwtSecret(
          process.env,
          undefined,
          sqliteFile ? join(dirname(sqliteFile), '.dev-jwt-secret') : undefined,
        ),
      secureCookies: overrides.secureCookies ?? process.env.NODE_ENV === 'production',
    };
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          ...databaseOptionsFromUrl(settings.databaseUrl),
          autoLoadEntities: true,
          // Until the library ships migrations, the example creates its tables at start.
          synchronize: true,
        }),
        AuthModule.forRoot({
          jwt: { secret: settings.jwtSecret },
          // API clients send tokens; the HTML pages use the browser-session cookies.
          strategies: ['jwt', 'api-key', 'cookie', 'basic'],
          browserSessions: { secure: settings.secureCookies },
          defaultGroups: ['member'],
          routes: true,
        }),
        NotesModule,
      ],
      controllers: [PagesController],
    };
  }
}
