import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

// `npm run test:services`: the e2e suite again on PostgreSQL and on MariaDB (each test file in its own
// database), plus the Redis-backed stores and the interoperability checks. Expects the servers and
// Debian packages docs/development.md lists.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      projects: [
        ...['postgres', 'mariadb'].map((database) => ({
          extends: true as const,
          test: {
            name: database,
            include: ['test/**/*.e2e-spec.ts'],
            env: { TEST_DB: database },
          },
        })),
        {
          // Checks against independent implementations (PyJWT, argon2-cffi) from Debian's packages.
          extends: true as const,
          test: {
            name: 'interop',
            include: ['test/**/*.interop-spec.ts'],
            env: { TEST_DB: 'sqlite' },
          },
        },
        {
          // The Redis-backed stores, against the machine's Redis (each test under its own key prefix).
          extends: true as const,
          test: {
            name: 'redis',
            include: ['test/**/*.redis-spec.ts'],
            env: { TEST_DB: 'sqlite' },
          },
        },
        {
          // Outages the tests make themselves: a TCP proxy between the app and PostgreSQL, MariaDB or
          // Redis that they cut and restore. One file at a time: they measure timeouts.
          extends: true as const,
          test: {
            name: 'faults',
            include: ['test/**/*.faults-spec.ts'],
            env: { TEST_DB: 'postgres' },
            fileParallelism: false,
            testTimeout: 120_000,
          },
        },
        {
          // Debian's chromium, driven by playwright-core, through the example app's pages.
          extends: true as const,
          test: {
            name: 'browser',
            include: ['test/**/*.browser-spec.ts'],
            env: { TEST_DB: 'sqlite' },
          },
        },
      ],
    },
  }),
);
