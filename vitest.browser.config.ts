import { defineConfig } from 'vitest/config';

/** Browser (end-to-end) tests of the staff web UI: `vitest run -c vitest.browser.config.ts`. */
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/browser/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
