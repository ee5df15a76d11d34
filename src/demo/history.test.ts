import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase } from '../db/test-database.js';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { seedDemoCity } from './generator.js';
import { writeDemoHistory } from './history.js';
import type { Database } from '../db/database.js';

let database: Database;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ database, drop } = await openTestDatabase());
  await seedDemoCity(database, new Keyring(newKeyFile()), { residents: 2000, seed: 5, actorLabel: 'operator:test/seed/1' });
});
afterAll(async () => drop?.());

describe('demo history', () => {
  it('gives every resident who moved within the city the version before the move, once', async () => {
    const moved = await database.db.selectFrom('person').select('atena_no').where('change_reason', '=', 'moved_within').execute();
    expect(moved.length).toBeGreaterThan(0);
    const n = await writeDemoHistory(database.db, 'operator:test/seed/1');
    expect(n).toBe(moved.length);
    expect(await writeDemoHistory(database.db, 'operator:test/seed/1')).toBe(0); // idempotent
    const rows = await sql<{ row_key: string; old_area: string; new_area: string; old_from: string; new_from: string; reason: string }>`
      SELECT h.row_key, h.row_data->>'area_code' AS old_area, p.area_code AS new_area,
             h.row_data->>'valid_from' AS old_from, p.valid_from::text AS new_from, h.row_data->>'change_reason' AS reason
      FROM person_history h JOIN person p ON p.atena_no::text = h.row_key`.execute(database.db);
    for (const r of rows.rows) {
      expect(r.old_area).not.toBe(r.new_area);
      expect(r.old_from < r.new_from).toBe(true);
      expect(r.reason).toBe('moved_in');
    }
  });
});
