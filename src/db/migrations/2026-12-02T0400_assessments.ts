import { sql, type Kysely } from 'kysely';

/**
 * 賦課情報 (the seed's 別添２(5)): stored assessments of 国民健康保険税, one row per version.
 *
 * - assessment_params: the figures a calculation used (the city's rates of the 年度 as resolved, and the
 *   national law parameters in force), stored once per distinct set and named by its SHA-256.
 * - assessment: one version per (年度, 国保世帯) — the NHI household named by its registry household,
 *   or a 住所地特例 person's own one-person NHI household (address_exception_atena_no; 0 for the
 *   household's own) —, never overwritten: a re-assessment (更正) inserts the next version and stamps
 *   superseded_at on the one before (the only update a trigger allows; no delete). Each version names
 *   why (reason: annual 本算定, correction 更正), what made it (the batch run, or the change), the amounts
 *   per part and component, the 法定軽減 kind and every reduction, the input snapshot and its hash, the
 *   parameter set, and for a 更正 the explanation lines and the change notice (変更決定通知書).
 * - assessment_run: the review state of an annual run (本算定): released (通知の発送を確定) by a second
 *   person through four-eyes approval. The run's counts and sums are job_run.counts / job_run.totals.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE assessment_params (
      params_hash text PRIMARY KEY CHECK (params_hash ~ '^[0-9a-f]{64}$'),
      fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
      municipality text NOT NULL,
      param_values jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db);

  await sql`
    CREATE TABLE assessment (
      assessment_id bigserial PRIMARY KEY,
      fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
      household_no bigint NOT NULL REFERENCES household(household_no),
      address_exception_atena_no bigint NOT NULL DEFAULT 0 CHECK (address_exception_atena_no >= 0),
      version integer NOT NULL CHECK (version >= 1),
      reason text NOT NULL CHECK (reason IN ('annual', 'correction')),
      run_id text REFERENCES job_run(run_id),
      cause text,
      taxpayer_atena_no bigint REFERENCES person(atena_no),
      pseudo_head boolean NOT NULL,
      insured_count integer NOT NULL CHECK (insured_count >= 0),
      reduction text NOT NULL CHECK (reduction IN ('r7', 'r5', 'r2', 'none')),
      total_yen integer NOT NULL CHECK (total_yen >= 0),
      medical_yen integer NOT NULL CHECK (medical_yen >= 0),
      support_yen integer NOT NULL CHECK (support_yen >= 0),
      care_yen integer NOT NULL CHECK (care_yen >= 0),
      child_support_yen integer NOT NULL CHECK (child_support_yen >= 0),
      income_levy_yen integer NOT NULL CHECK (income_levy_yen >= 0),
      per_capita_yen integer NOT NULL CHECK (per_capita_yen >= 0),
      per_household_yen integer NOT NULL CHECK (per_household_yen >= 0),
      legal_reduction_yen integer NOT NULL CHECK (legal_reduction_yen >= 0),
      specific_household_reduction_yen integer NOT NULL CHECK (specific_household_reduction_yen >= 0),
      preschool_reduction_yen integer NOT NULL CHECK (preschool_reduction_yen >= 0),
      minor_reduction_yen integer NOT NULL CHECK (minor_reduction_yen >= 0),
      capped boolean NOT NULL,
      parts jsonb NOT NULL,
      members jsonb NOT NULL,
      input jsonb NOT NULL,
      input_hash text NOT NULL CHECK (input_hash ~ '^[0-9a-f]{64}$'),
      params_hash text NOT NULL REFERENCES assessment_params(params_hash),
      lines jsonb,
      notice jsonb,
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      recorded_by text NOT NULL CHECK (recorded_by <> ''),
      superseded_at timestamptz,
      UNIQUE (household_no, fiscal_year, address_exception_atena_no, version),
      CHECK ((reason = 'annual') = (run_id IS NOT NULL))
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX assessment_current ON assessment (fiscal_year, household_no, address_exception_atena_no) WHERE superseded_at IS NULL`.execute(db);
  await sql`CREATE INDEX assessment_by_run ON assessment (run_id) WHERE run_id IS NOT NULL`.execute(db);
  // (The UNIQUE above leads with household_no: it also serves a household's versions.)

  // Nothing is overwritten: the one update is stamping superseded_at once; no delete.
  await sql`
    CREATE FUNCTION assessment_keep_versions() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'assessment versions are never deleted';
      END IF;
      IF OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL
         OR (to_jsonb(NEW) - 'superseded_at') IS DISTINCT FROM (to_jsonb(OLD) - 'superseded_at') THEN
        RAISE EXCEPTION 'an assessment version is never changed (only superseded once)';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER assessment_keep_versions BEFORE UPDATE OR DELETE ON assessment FOR EACH ROW EXECUTE FUNCTION assessment_keep_versions()`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON assessment FROM nhi_app`.execute(db);
  await sql`REVOKE UPDATE, DELETE, TRUNCATE ON assessment_params FROM nhi_app`.execute(db);

  await sql`
    CREATE TABLE assessment_run (
      run_id text PRIMARY KEY REFERENCES job_run(run_id),
      fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
      status text NOT NULL DEFAULT 'review' CHECK (status IN ('review', 'released')),
      released_at timestamptz,
      released_by text,
      release_requested_by text,
      CHECK ((status = 'released') = (released_at IS NOT NULL))
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX assessment_run_released ON assessment_run (fiscal_year) WHERE status = 'released'`.execute(db);
}
