/**
 * The child process of the SIGKILL test (batch-runner.kill.test.ts): opens the database (a PostgreSQL
 * URL, or an embedded PGlite data directory), seeds a few persons, and runs the income import; after
 * chunk KILL_AFTER it says "ready" and waits to be killed. Run with `node --import tsx`.
 */
import { sql } from 'kysely';
import { openDatabase } from '../../db/database.js';
import { AuditRepository } from '../../modules/audit/audit.repository.js';
import { Keyring, newKeyFile } from '../../security/keyring.js';
import { operatorActor } from '../../security/actor.js';
import { runBatch } from './batch-runner.js';
import { incomeImportJob, testPersons } from './income-import.test-support.js';

const [where, file, chunkSize, killAfter, firstAtena, persons] = process.argv.slice(2);
const database = await openDatabase(where!.startsWith('postgres') ? { databaseUrl: where! } : { dataDir: where! });
await database.db.transaction().execute(async (tx) => {
  await sql`SELECT set_config('nhi.actor', 'test:seed', true)`.execute(tx);
  await tx
    .insertInto('person')
    .values(
      testPersons(Number(firstAtena), Number(persons)),
    )
    .execute();
});
await runBatch({ database, audit: new AuditRepository(new Keyring(newKeyFile())) }, incomeImportJob(), { file: file! }, {
  actor: operatorActor('test-income-import', new Set()),
  chunkSize: Number(chunkSize),
  inputFile: file!,
  onProgress: async ({ chunkNo }) => {
    if (chunkNo === Number(killAfter)) {
      process.stdout.write('ready\n');
      await new Promise(() => undefined); // wait for SIGKILL
    }
  },
});
process.stdout.write('finished\n');
await database.close();
