import { sql, type Kysely } from 'kysely';

/**
 * The 本算定's reference check (assessment_references, 2026-12-02T1200) moves onto the generic
 * `statement_references()` (2026-12-03T0700), which plans its anti-joins anew for each statement
 * (EXECUTE) instead of keeping PL/pgSQL's cached plan.
 *
 * PL/pgSQL caches a query's plan per connection and, after a few executions, may keep a generic plan made
 * for the size of the transition table it saw then. Measured with the registry intake: after 3,000 events
 * pushed one at a time (one-row statements), a registry file's 2,000-row statements ran with a plan that
 * read whole tables — a year's work items took 216 s instead of 6 s. The assessment's check had the same
 * shape (a 更正 writes one version at a time; the 本算定 thousands per statement).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER assessment_references ON assessment`.execute(db);
  await sql`DROP FUNCTION assessment_references()`.execute(db);
  const refs = [
    ['household_no', 'household', 'household_no', '世帯番号'],
    ['taxpayer_atena_no', 'person', 'atena_no', '納税義務者の宛名番号'],
    ['run_id', 'job_run', 'run_id', 'バッチ実行'],
    ['params_hash', 'assessment_params', 'params_hash', '税率等の組'],
  ];
  const args = sql.join(['賦課の記録', ...refs.flat()].map((a) => sql.lit(a)));
  await sql`CREATE TRIGGER assessment_references AFTER INSERT ON assessment REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references(${args})`.execute(db);
}
