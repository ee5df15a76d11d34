import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    exclude: ['tests/browser/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Every core runs test files (Vitest's default leaves one idle, half the machine on 2 cores).
    maxWorkers: Math.max(2, availableParallelism()),
    // Test files in one worker share the loaded modules: importing the application costs seconds per
    // file otherwise. Each file still gets its own database (src/testing/templates.ts); module-level
    // state must therefore be read-only or reset by the test that changes it (process.env, fake timers,
    // a throw-away route: see forgetRoute in src/http/route.ts).
    isolate: false,
    // Builds the migrated and fixture databases once per run; each test file copies them (src/testing/templates.ts).
    globalSetup: ['src/testing/global-setup.ts'],
  },
});
