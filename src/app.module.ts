import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { dirname, join } from 'node:path';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from 'portcullis';
import {
  DEFAULT_DATABASE_URL,
  databaseOptionsFromUrl,
  databaseTimeoutFromEnv,
  schemaOptions,
} from './database.js';
import { ExampleErrorsFilter } from './example-errors.filter.js';
import { exampleMailTransport } from './example-mail.js';
import { exampleJwtSecret } from './jwt-secret.js';
import { NotesModule } from './notes/notes.module.js';
import { AccountPagesController } from './pages/account-pages.controller.js';
import { AssetsController } from './pages/assets.controller.js';
import { PagesController } from './pages/pages.controller.js';
import { PublicPagesController } from './pages/public-pages.controller.js';

/** MAIL_FROM when it is not set. */
export const DEFAULT_MAIL_FROM = 'Portcullis example <no-reply@localhost>';

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
  /**
   * DATABASE_SYNCHRONIZE=true: make the tables match the entities at start (TypeORM `synchronize`)
   * instead of running the migrations. Development only; refused with NODE_ENV=production.
   */
  synchronize: boolean;
  /**
   * REDIS_URL: when set, state every instance of the app must share (the login throttle counters)
   * lives in Redis, with REDIS_KEY_PREFIX (default `portcullis:`) before its keys. Unset, one process
   * keeps it in memory.
   */
  redis?: { url: string; keyPrefix: string };
  /**
   * DATABASE_TIMEOUT_MS (default 5000): the longest a database server connection attempt or query
   * may take; past it the request answers 503 instead of waiting.
   */
  databaseTimeoutMs: number;
  /**
   * AUTH_REVOCATION_SYNC_MS: ms between reads of ended sessions (Portcullis' `revocationSyncInterval`).
   * Tests stretch it to show Redis delivers revocations alone, or shorten it to reach the outage bound.
   */
  revocationSyncInterval?: number;
  /**
   * SMTP_URL (`smtp://user:pass@host:587`, `smtps://...`): where the mail of the account flows goes.
   * Unset, each message is written to the log with its link (refused with NODE_ENV=production).
   */
  smtpUrl?: string;
  /** MAIL_FROM: the sender of that mail (default `Portcullis example <no-reply@localhost>`). */
  mailFrom: string;
  /** APP_URL: the base of every link in a message (default `http://localhost:$PORT`). */
  appUrl: string;
}

/** The example app's settings: each override, else its environment variable, else its default. */
export function exampleAppSettings(
  overrides: Partial<ExampleAppSettings> = {},
): ExampleAppSettings {
  const databaseUrl = overrides.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  // Beside an SQLite file, a generated development secret is kept so restarts and the CLI share it.
  const sqliteFile = /^sqlite:(?!:memory:)(.+)$/.exec(databaseUrl)?.[1];
  return {
    databaseUrl,
    jwtSecret:
      overrides.jwtSecret ??
      exampleJwtSecret(
        process.env,
        undefined,
        sqliteFile ? join(dirname(sqliteFile), '.dev-jwt-secret') : undefined,
      ),
    secureCookies: overrides.secureCookies ?? process.env.NODE_ENV === 'production',
    synchronize: overrides.synchronize ?? process.env.DATABASE_SYNCHRONIZE === 'true',
    redis:
      overrides.redis ??
      (process.env.REDIS_URL
        ? { url: process.env.REDIS_URL, keyPrefix: process.env.REDIS_KEY_PREFIX ?? 'portcullis:' }
        : undefined),
    databaseTimeoutMs: overrides.databaseTimeoutMs ?? databaseTimeoutFromEnv(),
    revocationSyncInterval:
      overrides.revocationSyncInterval ??
      (process.env.AUTH_REVOCATION_SYNC_MS
        ? Number(process.env.AUTH_REVOCATION_SYNC_MS)
        : undefined),
    smtpUrl: overrides.smtpUrl ?? (process.env.SMTP_URL || undefined),
    mailFrom: overrides.mailFrom ?? process.env.MAIL_FROM ?? DEFAULT_MAIL_FROM,
    appUrl:
      overrides.appUrl ?? process.env.APP_URL ?? `http://localhost:${process.env.PORT ?? 3000}`,
  };
}

/** The example application: a notes API and an HTML account area, protected by Portcullis. */
@Module({})
export class AppModule {
  static forRoot(overrides: Partial<ExampleAppSettings> = {}): DynamicModule {
    const settings = exampleAppSettings(overrides);
    const mailTransport = exampleMailTransport(settings.smtpUrl);
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          ...databaseOptionsFromUrl(settings.databaseUrl, settings.databaseTimeoutMs),
          // Never 'query', 'error' or true: TypeORM prints those queries with their parameters,
          // a new password hash or a token digest among them.
          logging: ['warn', 'migration'],
          autoLoadEntities: true,
          ...schemaOptions(settings.synchronize),
        }),
        AuthModule.forRoot({
          jwt: { secret: settings.jwtSecret },
          // API clients send tokens; the HTML pages use the browser-session cookies.
          strategies: ['jwt', 'api-key', 'cookie', 'basic'],
          browserSessions: { secure: settings.secureCookies },
          defaultGroups: ['member'],
          routes: true,
          // Every mail flow is on. requireVerifiedEmail stays off, so a new account logs in at once.
          passwordReset: true,
          emailVerification: true,
          emailChange: true,
          magicLink: true,
          mail: { transport: mailTransport, from: settings.mailFrom, appUrl: settings.appUrl },
          redis: settings.redis,
          revocationSyncInterval: settings.revocationSyncInterval,
        }),
        NotesModule,
      ],
      controllers: [
        AssetsController,
        PagesController,
        PublicPagesController,
        AccountPagesController,
      ],
      // The notes API reads the database too: an outage there is a 503, like on Portcullis' routes;
      // unknown routes are 404 `not_found` in the same body.
      providers: [{ provide: APP_FILTER, useClass: ExampleErrorsFilter }],
    };
  }
}
