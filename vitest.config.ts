import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

// `npm test`: unit specs and the e2e suite on embedded SQLite; no external service needed.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      include: ['libs/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
      env: { TEST_DB: 'sqlite' },
    },
  }),
);
