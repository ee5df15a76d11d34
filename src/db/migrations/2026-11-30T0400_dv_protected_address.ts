import { sql, type Kysely } from 'kysely';

/**
 * DV等支援措置 follows the address: every read asks which DV-flagged persons share a household or an
 * address (町字 + 番地 + 方書) with the persons it shows. The flagged are few; this partial index holds
 * only them, so that question never scans the whole person table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX person_dv_address ON person (area_code, banchi, katagaki) WHERE dv_support`.execute(db);
}
