import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    exclude: ['tests/browser/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Builds the migrated and fixture databases once per run; each test file copies them (src/testing/templates.ts).
    globalSetup: ['src/testing/global-setup.ts'],
  },
});
