import { describe, expect, it } from 'vitest';
import { AppModule, DEFAULT_MAIL_FROM, exampleAppSettings } from '../src/app.module.js';
import {
  DEFAULT_DATABASE_TIMEOUT_MS,
  databaseOptionsFromUrl,
  databaseTimeoutFromEnv,
} from '../src/database.js';
import { exampleMailTransport } from '../src/example-mail.js';
import { exampleJwtSecret } from '../src/jwt-secret.js';
import { LogMailer } from 'portcullis';

const silentLogger = { warn: () => undefined } as never;

describe('example app configuration', () => {
  it('uses AUTH_JWT_SECRET when it is set', () => {
    expect(exampleJwtSecret({ AUTH_JWT_SECRET: 'configured-secret' }, silentLogger)).toBe(
      'configured-secret',
    );
  });

  it('generates a secret of at least 32 bytes outside production, and warns', () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) } as never;
    const first = exampleJwtSecret({ NODE_ENV: 'development' }, logger);
    const second = exampleJwtSecret({}, logger);
    expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
    expect(first).not.toBe(second);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('AUTH_JWT_SECRET is not set');
  });

  it('refuses to start in production without AUTH_JWT_SECRET', () => {
    expect(() => exampleJwtSecret({ NODE_ENV: 'production' }, silentLogger)).toThrow(
      /AUTH_JWT_SECRET is not set/,
    );
    const saved = { env: process.env.NODE_ENV, secret: process.env.AUTH_JWT_SECRET };
    process.env.NODE_ENV = 'production';
    delete process.env.AUTH_JWT_SECRET;
    try {
      expect(() => AppModule.forRoot({ databaseUrl: 'sqlite::memory:' })).toThrow(
        /refuses to start/,
      );
    } finally {
      process.env.NODE_ENV = saved.env;
      if (saved.secret !== undefined) process.env.AUTH_JWT_SECRET = saved.secret;
    }
  });

  it('mails through SMTP_URL, or to the log outside production', () => {
    expect(exampleMailTransport('smtp://mail.example:587', { NODE_ENV: 'production' })).toBe(
      'smtp://mail.example:587',
    );
    expect(exampleMailTransport(undefined, { NODE_ENV: 'development' })).toBeInstanceOf(LogMailer);
    expect(exampleMailTransport(undefined, {})).toBeInstanceOf(LogMailer);
  });

  it('refuses to start in production without SMTP_URL', () => {
    expect(() => exampleMailTransport(undefined, { NODE_ENV: 'production' })).toThrow(
      /SMTP_URL is not set.*refuses to start/,
    );
    const saved = { env: process.env.NODE_ENV, smtp: process.env.SMTP_URL };
    process.env.NODE_ENV = 'production';
    delete process.env.SMTP_URL;
    try {
      expect(() =>
        AppModule.forRoot({ databaseUrl: 'sqlite::memory:', jwtSecret: 'x'.repeat(48) }),
      ).toThrow(/SMTP_URL is not set/);
      expect(() =>
        AppModule.forRoot({
          databaseUrl: 'sqlite::memory:',
          jwtSecret: 'x'.repeat(48),
          smtpUrl: 'smtp://mail.example:587',
        }),
      ).not.toThrow();
    } finally {
      process.env.NODE_ENV = saved.env;
      if (saved.smtp !== undefined) process.env.SMTP_URL = saved.smtp;
    }
  });

  it('reads MAIL_FROM and APP_URL, with defaults from PORT', () => {
    const saved = { ...process.env };
    try {
      delete process.env.MAIL_FROM;
      delete process.env.APP_URL;
      process.env.PORT = '4123';
      expect(exampleAppSettings({ jwtSecret: 'x'.repeat(48) })).toMatchObject({
        smtpUrl: undefined,
        mailFrom: DEFAULT_MAIL_FROM,
        appUrl: 'http://localhost:4123',
      });
      process.env.MAIL_FROM = 'Notes <no-reply@notes.example>';
      process.env.APP_URL = 'https://notes.example';
      process.env.SMTP_URL = 'smtp://mail.example:587';
      expect(exampleAppSettings({ jwtSecret: 'x'.repeat(48) })).toMatchObject({
        mailFrom: 'Notes <no-reply@notes.example>',
        appUrl: 'https://notes.example',
        smtpUrl: 'smtp://mail.example:587',
      });
    } finally {
      process.env = saved;
    }
  });

  it('reads DATABASE_URL for SQLite, PostgreSQL and MySQL/MariaDB', () => {
    expect(databaseOptionsFromUrl('sqlite::memory:')).toEqual({
      type: 'better-sqlite3',
      database: ':memory:',
    });
    expect(databaseOptionsFromUrl('postgres://u@db:5432/app')).toMatchObject({
      type: 'postgres',
      url: 'postgres://u@db:5432/app',
    });
    expect(databaseOptionsFromUrl('mysql://root@db/app')).toMatchObject({
      type: 'mysql',
      url: 'mysql://root@db/app',
    });
    expect(() => databaseOptionsFromUrl('mongodb://x')).toThrow(/DATABASE_URL must start with/);
    expect(() => databaseOptionsFromUrl('sqlite:')).toThrow(/needs a file path/);
  });

  it('bounds connecting to and querying a database server by DATABASE_TIMEOUT_MS', () => {
    expect(databaseTimeoutFromEnv({})).toBe(DEFAULT_DATABASE_TIMEOUT_MS);
    expect(databaseTimeoutFromEnv({ DATABASE_TIMEOUT_MS: '1500' })).toBe(1500);
    expect(() => databaseTimeoutFromEnv({ DATABASE_TIMEOUT_MS: 'soon' })).toThrow(
      /DATABASE_TIMEOUT_MS must be a positive whole number/,
    );
    expect(databaseOptionsFromUrl('postgres://u@db:5432/app', 1500)).toMatchObject({
      connectTimeoutMS: 1500,
      extra: { query_timeout: 1500, statement_timeout: 1500 },
    });
    expect(databaseOptionsFromUrl('mysql://root@db/app', 1500)).toMatchObject({
      connectTimeout: 1500,
      maxQueryExecutionTime: 1500,
      enableQueryTimeout: true,
    });
  });
});
