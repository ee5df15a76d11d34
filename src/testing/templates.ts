import { inject } from 'vitest';
import type { KeyFile } from '../security/keyring.js';

/**
 * What the global set-up (src/testing/global-setup.ts) builds once per `vitest run`, so that a test
 * file copies a database instead of booting, migrating and filling one:
 *  - `migrated`: the schema, nothing else (openTestDatabase);
 *  - `fixture`: also the organisation, the demo staff and the hand-made people (createFixture).
 * On PGlite each is a data-directory tarball file; on PostgreSQL (DATABASE_URL) a database name that
 * `CREATE DATABASE … TEMPLATE` copies. The key file and the TOTP secrets the fixture was made with
 * travel with it, since its audit signatures and encrypted secrets were made under them.
 */
export interface TestTemplates {
  migrated: string;
  fixture: string;
  keyFile: KeyFile;
  totp: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testTemplates: TestTemplates | undefined;
  }
}

/** The templates of this run, or undefined when run without the global set-up (each file then builds its own). */
export function testTemplates(): TestTemplates | undefined {
  try {
    return inject('testTemplates');
  } catch {
    return undefined;
  }
}
