import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Keyring } from '../security/keyring.js';
import type { SeedRange } from './counts.js';

/**
 * SHA-256 over every seeded row in a range, in a stable order, leaving out what legitimately varies
 * between runs: serial ids, timestamps, updated_by (carries the run id) and ciphertext (random nonce;
 * the decrypted My Number is hashed instead). Two runs with the same seed give the same digest.
 */
export async function seededDigest(db: Kysely<DB>, keyring: Keyring, r: SeedRange): Promise<string> {
  const h = createHash('sha256');
  const feed = (table: string, rows: unknown[]) => {
    h.update(`#${table}\n`);
    for (const row of rows) h.update(`${JSON.stringify(row)}\n`);
  };
  const persons = await db
    .selectFrom('person')
    .selectAll()
    .where('atena_no', '>=', r.atenaFrom)
    .where('atena_no', '<=', r.atenaTo)
    .orderBy('atena_no')
    .execute();
  feed('person', persons.map(({ updated_at: _a, updated_by: _b, ...rest }) => rest));
  const households = await db
    .selectFrom('household')
    .select(['household_no', 'formed_on', 'dissolved_on', 'valid_from', 'change_reason'])
    .where('household_no', '>=', r.householdFrom)
    .where('household_no', '<=', r.householdTo)
    .orderBy('household_no')
    .execute();
  feed('household', households);
  const members = await db
    .selectFrom('household_member')
    .select(['household_no', 'atena_no', 'relationship', 'member_order', 'valid_from', 'valid_to', 'change_reason'])
    .where('atena_no', '>=', r.atenaFrom)
    .where('atena_no', '<=', r.atenaTo)
    .orderBy('atena_no')
    .orderBy('valid_from')
    .execute();
  feed('household_member', members);
  const incomes = await db
    .selectFrom('income')
    .select(['atena_no', 'fiscal_year', 'income_type', 'revenue_yen', 'income_yen'])
    .where('atena_no', '>=', r.atenaFrom)
    .where('atena_no', '<=', r.atenaTo)
    .orderBy('atena_no')
    .orderBy('fiscal_year')
    .orderBy('income_type')
    .execute();
  feed('income', incomes);
  const eligibility = await db
    .selectFrom('nhi_eligibility')
    .select(['atena_no', 'household_no', 'insured_symbol', 'insured_number', 'branch_no', 'acquired_on', 'acquisition_reason', 'lost_on', 'loss_reason'])
    .where('atena_no', '>=', r.atenaFrom)
    .where('atena_no', '<=', r.atenaTo)
    .orderBy('atena_no')
    .orderBy('acquired_on')
    .execute();
  feed('nhi_eligibility', eligibility);
  const numbers = await sql<{ atena_no: number; ciphertext: string; key_id: string; blind_index: string }>`
    SELECT atena_no, ciphertext, key_id, blind_index FROM person_my_number
     WHERE atena_no BETWEEN ${r.atenaFrom} AND ${r.atenaTo} ORDER BY atena_no`.execute(db);
  feed(
    'person_my_number',
    numbers.rows.map((n) => [Number(n.atena_no), keyring.decrypt(n.ciphertext, `person_my_number|${n.atena_no}`, n.key_id), n.blind_index]),
  );
  return h.digest('hex');
}
