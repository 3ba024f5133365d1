import { describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { databaseOptionsFromUrl } from '../src/database.js';
import { exampleJwtSecret } from '../src/jwt-secret.js';

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

  it('reads DATABASE_URL for SQLite, PostgreSQL and MySQL/MariaDB', () => {
    expect(databaseOptionsFromUrl('sqlite::memory:')).toEqual({
      type: 'better-sqlite3',
      database: ':memory:',
    });
    expect(databaseOptionsFromUrl('postgres://u@db:5432/app')).toEqual({
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
});
