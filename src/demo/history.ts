import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { insertHistoryRows } from '../db/history-versions.js';

/**
 * The demo city's past: residents whose current version came from a 転居 (a move within the city) get
 * the version before it — the old address, from their 住民日 — in person's history, exactly as the
 * history trigger would have written it had the move been entered through the system. Without it the
 * demo's person and household pages would show no 異動履歴 at all.
 *
 * Deterministic (the old address is a fixed function of the current one) and idempotent (only persons
 * with no history yet get a row), so a re-run after an interrupted seed adds nothing twice.
 */
export async function writeDemoHistory(db: Kysely<DB>, actorLabel: string): Promise<number> {
  return insertHistoryRows(
    db,
    'person',
    sql`
      WITH areas AS (
        SELECT area_code, coalesce(lead(area_code, 7) OVER (ORDER BY area_code), (SELECT min(area_code) FROM address_area)) AS old_area
        FROM address_area
      ), moved AS (
        SELECT p.*, a.old_area
        FROM person p JOIN areas a ON a.area_code = p.area_code
        WHERE p.change_reason = 'moved_within' AND p.became_resident_on IS NOT NULL AND p.became_resident_on < p.valid_from
          AND NOT EXISTS (SELECT 1 FROM person_version h WHERE h.row_key = p.atena_no::text)
      )
      SELECT m.atena_no::text AS row_key, 'UPDATE' AS op,
             ARRAY['address_set_on', 'area_code', 'banchi', 'change_reason', 'katagaki', 'reported_on', 'valid_from'] AS changed_fields,
             (to_jsonb(m) - 'old_area') || jsonb_build_object(
               'area_code', m.old_area,
               'banchi', ((m.atena_no % 29) + 1)::text || '-' || ((m.atena_no % 17) + 1)::text,
               'katagaki', NULL,
               'address_set_on', m.became_resident_on,
               'valid_from', m.became_resident_on,
               'reported_on', m.became_resident_on,
               'change_reason', 'moved_in',
               'updated_at', (m.became_resident_on::timestamp + interval '10 hours') AT TIME ZONE 'Asia/Tokyo',
               'updated_by', ${actorLabel}::text) AS row_data,
             (m.valid_from::timestamp + interval '10 hours') AT TIME ZONE 'Asia/Tokyo' AS superseded_at,
             ${actorLabel}::text AS superseded_by
      FROM moved m`,
  );
}
