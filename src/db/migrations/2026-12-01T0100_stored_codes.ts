import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * Stored codes, never display labels: a reason, relationship or kind is stored as a short English code
 * with a CHECK (so the generated type is the union); the Japanese label is looked up where it is shown.
 * See docs/ARCHITECTURE.md ("Stored codes").
 *
 * - 異動事由 (person / household / household_member.change_reason), 続柄 (household_member.relationship),
 *   資格取得事由 / 資格喪失事由 (nhi_eligibility.acquisition_reason / loss_reason): labels → codes, then
 *   `CHECK (col IN (…))`. A value that is neither a known label nor already a code becomes 'other'.
 *   The same fields inside the superseded versions (<table>_history.row_data) and inside the stored
 *   payloads of pending 資格 changes (before/after) are rewritten too, so readers know one form only.
 *   The conversion re-encodes what is stored; it is not a change of the record: the history and stamp
 *   triggers are off while the live rows are rewritten (no history row, updated_at/updated_by kept).
 *   audit_event is never rewritten (its rows are sealed); pending_change.summary is display text.
 * - household_head_current: the one current head per household is now `relationship = 'head'`.
 * - address_area.branch_office (office names) → branch_office_code REFERENCES office(office_code).
 *   Offices are upserted from config/organization.yaml at start-up, i.e. AFTER migrations: on a fresh
 *   database address_area is empty here, so the key holds trivially, and every later writer (the demo
 *   seed, a city's import) runs after the organisation is applied. On a database that has areas, a name
 *   maps to the office of that exact name, else to the demo city's office code; an office the areas
 *   need but the table lacks (a database seeded without the organisation applied) is created with the
 *   old name, which the next start-up's upsert renames. A name that maps to nothing stops the migration
 *   with the names listed (nothing is guessed).
 * - CHECKs on columns that already hold codes: pending_change.kind and job_run.job (format; the
 *   modules declare the closed lists), staff_session.end_reason (closed list), role_permission.permission
 *   (format; each area declares its permission codes in <area>.permissions.ts).
 *
 * Frozen in time: never import application code here (the code lists below are this migration's own).
 */

const CHANGE_REASON_CODES = [
  'moved_in', 'moved_in_from_abroad', 'moved_within', 'moved_out', 'moved_out_abroad', 'birth', 'death', 'household_split',
  'household_merged', 'household_changed', 'recorded_ex_officio', 'removed_ex_officio', 'naturalized', 'corrected', 'other',
];
const CHANGE_REASON_OF: Record<string, string> = {
  転入: 'moved_in',
  国外転入: 'moved_in_from_abroad',
  転居: 'moved_within',
  転出: 'moved_out',
  国内転出: 'moved_out',
  国外転出: 'moved_out_abroad',
  出生: 'birth',
  死亡: 'death',
  世帯分離: 'household_split',
  世帯合併: 'household_merged',
  世帯変更: 'household_changed',
  職権記載: 'recorded_ex_officio',
  職権消除: 'removed_ex_officio',
  帰化: 'naturalized',
  国籍取得: 'naturalized',
  '帰化・国籍取得': 'naturalized',
  修正: 'corrected',
  その他: 'other',
};

const RELATIONSHIP_CODES = ['head', 'wife', 'husband', 'child', 'father', 'mother', 'child_wife', 'child_husband', 'grandchild', 'sibling', 'relative', 'lodger', 'other'];
const RELATIONSHIP_OF: Record<string, string> = {
  世帯主: 'head',
  妻: 'wife',
  夫: 'husband',
  子: 'child',
  父: 'father',
  母: 'mother',
  子の妻: 'child_wife',
  子の夫: 'child_husband',
  子の子: 'grandchild',
  孫: 'grandchild',
  兄弟姉妹: 'sibling',
  兄: 'sibling',
  弟: 'sibling',
  姉: 'sibling',
  妹: 'sibling',
  縁故者: 'relative',
  同居人: 'lodger',
  その他: 'other',
};

const ACQUISITION_REASON_CODES = ['moved_in', 'left_employee_insurance', 'birth', 'welfare_ended', 'foreigner_moved_in', 'other'];
const ACQUISITION_REASON_OF: Record<string, string> = {
  転入: 'moved_in',
  社保離脱: 'left_employee_insurance',
  出生: 'birth',
  生保廃止: 'welfare_ended',
  外国人転入: 'foreigner_moved_in',
  その他: 'other',
};

const LOSS_REASON_CODES = ['moved_out', 'death', 'joined_employee_insurance', 'late_elderly', 'welfare_started', 'other'];
const LOSS_REASON_OF: Record<string, string> = {
  転出: 'moved_out',
  死亡: 'death',
  社保加入: 'joined_employee_insurance',
  後期高齢者医療: 'late_elderly',
  生保開始: 'welfare_started',
  その他: 'other',
};

const SESSION_END_REASONS = [
  'logout', 'idle_timeout', 'absolute_timeout', 'disabled', 'credentials_reset', 'password_changed', 'second_factor_timeout',
  'second_factor_lockout', 'locked', 'step_up_failures', 'replaced_by_login', 'replaced_by_activation', 'enrolment_timeout', 'enrolment_invalid',
];

/** address_area.branch_office of the demo city → office_code of config/organization.yaml (本庁: the NHI section). */
const DEMO_OFFICE_OF: Record<string, string> = {
  本庁: 'kokuho',
  新郷支所: 'shingo',
  神根支所: 'kamine',
  芝支所: 'shiba',
  安行支所: 'angyo',
  戸塚支所: 'totsuka',
  鳩ヶ谷支所: 'hatogaya',
  駅前行政センター: 'ekimae',
};

interface CodeSet {
  codes: string[];
  of: Record<string, string>;
}
const CHANGE_REASON: CodeSet = { codes: CHANGE_REASON_CODES, of: CHANGE_REASON_OF };
const RELATIONSHIP: CodeSet = { codes: RELATIONSHIP_CODES, of: RELATIONSHIP_OF };
const ACQUISITION_REASON: CodeSet = { codes: ACQUISITION_REASON_CODES, of: ACQUISITION_REASON_OF };
const LOSS_REASON: CodeSet = { codes: LOSS_REASON_CODES, of: LOSS_REASON_OF };

const list = (values: readonly string[]) => sql.join(values.map((v) => sql.lit(v)));

/** `CASE WHEN value = '<label>' THEN '<code>' … WHEN value IN (<codes>) THEN value ELSE 'other' END`. */
function toCode(value: RawBuilder<unknown>, set: CodeSet): RawBuilder<string> {
  const whens = Object.entries(set.of).map(([label, code]) => sql`WHEN ${value} = ${sql.lit(label)} THEN ${sql.lit(code)}`);
  return sql<string>`(CASE ${sql.join(whens, sql` `)} WHEN ${value} IN (${list(set.codes)}) THEN ${value} ELSE 'other' END)`;
}

/** The live rows, re-encoded without history rows or new stamps (see above); then the CHECK. */
async function convertColumn(db: Kysely<any>, table: string, column: string, set: CodeSet): Promise<void> {
  await sql`UPDATE ${sql.table(table)} SET ${sql.ref(column)} = ${toCode(sql`${sql.ref(column)}`, set)} WHERE ${sql.ref(column)} IS NOT NULL`.execute(db);
  await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(`${table}_${column}_check`)} CHECK (${sql.ref(column)} IN (${list(set.codes)}))`.execute(db);
}

/** The same field inside the superseded versions kept as JSON. */
async function convertHistory(db: Kysely<any>, table: string, column: string, set: CodeSet): Promise<void> {
  const path = sql.lit(`{${column}}`);
  await sql`
    UPDATE ${sql.table(`${table}_history`)}
       SET row_data = jsonb_set(row_data, ${path}::text[], to_jsonb(${toCode(sql`(row_data ->> ${sql.lit(column)})`, set)}))
     WHERE jsonb_typeof(row_data -> ${sql.lit(column)}) = 'string'`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  const live: [table: string, column: string, set: CodeSet][] = [
    ['person', 'change_reason', CHANGE_REASON],
    ['household', 'change_reason', CHANGE_REASON],
    ['household_member', 'change_reason', CHANGE_REASON],
    ['household_member', 'relationship', RELATIONSHIP],
    ['nhi_eligibility', 'acquisition_reason', ACQUISITION_REASON],
    ['nhi_eligibility', 'loss_reason', LOSS_REASON],
  ];
  // The one-head index is rebuilt for the new code (IF EXISTS: a killed demo bulk load may have dropped it).
  await sql`DROP INDEX IF EXISTS household_head_current`.execute(db);
  for (const table of ['person', 'household', 'household_member', 'nhi_eligibility']) {
    await sql`ALTER TABLE ${sql.table(table)} DISABLE TRIGGER ${sql.id(`${table}_stamp`)}, DISABLE TRIGGER ${sql.id(`${table}_history`)}`.execute(db);
  }
  for (const [table, column, set] of live) {
    await convertColumn(db, table, column, set);
    await convertHistory(db, table, column, set);
  }
  for (const table of ['person', 'household', 'household_member', 'nhi_eligibility']) {
    await sql`ALTER TABLE ${sql.table(table)} ENABLE TRIGGER ${sql.id(`${table}_stamp`)}, ENABLE TRIGGER ${sql.id(`${table}_history`)}`.execute(db);
  }
  await sql`CREATE UNIQUE INDEX household_head_current ON household_member (household_no) WHERE valid_to IS NULL AND relationship = 'head'`.execute(db);

  // Pending 資格 changes keep the period's state before and after (PeriodState: reasons as stored).
  for (const side of ['before', 'after']) {
    for (const [field, set] of [['acquisitionReason', ACQUISITION_REASON], ['lossReason', LOSS_REASON]] as const) {
      const path = sql.lit(`{${side},${field}}`);
      await sql`
        UPDATE pending_change
           SET payload = jsonb_set(payload, ${path}::text[], to_jsonb(${toCode(sql`(payload #>> ${path}::text[])`, set)}))
         WHERE kind IN ('eligibility.loss', 'eligibility.correct', 'eligibility.delete')
           AND jsonb_typeof(payload #> ${path}::text[]) = 'string'`.execute(db);
    }
  }

  // 管轄の支所: office names → office codes (see above).
  await sql`ALTER TABLE address_area ADD COLUMN branch_office_code text`.execute(db);
  const demoWhens = Object.entries(DEMO_OFFICE_OF).map(([name, code]) => sql`WHEN ${sql.lit(name)} THEN ${sql.lit(code)}`);
  await sql`
    UPDATE address_area a
       SET branch_office_code = COALESCE(
             (SELECT min(o.office_code) FROM office o WHERE o.name = a.branch_office),
             CASE a.branch_office ${sql.join(demoWhens, sql` `)} END)`.execute(db);
  await sql`
    DO $$
    DECLARE unmapped text;
    BEGIN
      SELECT string_agg(DISTINCT branch_office, '、') INTO unmapped FROM address_area WHERE branch_office_code IS NULL;
      IF unmapped IS NOT NULL THEN
        RAISE EXCEPTION '住所コードマスタ(address_area)の管轄支所 % を所属(office)に対応付けられません。所属の名称と一致させてから再実行してください', unmapped;
      END IF;
    END $$`.execute(db);
  await sql`
    INSERT INTO office (office_code, name, kind)
    SELECT DISTINCT ON (a.branch_office_code) a.branch_office_code, a.branch_office, CASE a.branch_office WHEN '本庁' THEN 'head_office' ELSE 'branch' END
      FROM address_area a
     WHERE NOT EXISTS (SELECT 1 FROM office o WHERE o.office_code = a.branch_office_code)
     ORDER BY a.branch_office_code, a.branch_office`.execute(db);
  await sql`ALTER TABLE address_area ALTER COLUMN branch_office_code SET NOT NULL`.execute(db);
  await sql`ALTER TABLE address_area ADD CONSTRAINT address_area_branch_office_code_check CHECK (branch_office_code ~ '^[a-z0-9_]+$')`.execute(db);
  await sql`ALTER TABLE address_area ADD CONSTRAINT address_area_branch_office_code_fkey FOREIGN KEY (branch_office_code) REFERENCES office(office_code)`.execute(db);
  await sql`ALTER TABLE address_area DROP COLUMN branch_office`.execute(db);

  // Columns that already hold codes.
  await sql`ALTER TABLE pending_change ADD CONSTRAINT pending_change_kind_check CHECK (kind ~ '^[a-z_]+[.][a-z_]+$')`.execute(db);
  // The TOTP lockout was recorded as 'too_many_failures' before it was named 'second_factor_lockout'.
  await sql`UPDATE staff_session SET end_reason = 'second_factor_lockout' WHERE end_reason = 'too_many_failures'`.execute(db);
  await sql`ALTER TABLE staff_session ADD CONSTRAINT staff_session_end_reason_check CHECK (end_reason IN (${list(SESSION_END_REASONS)}))`.execute(db);
  await sql`ALTER TABLE job_run ADD CONSTRAINT job_run_job_check CHECK (job ~ '^[a-z][a-z0-9.-]*$')`.execute(db);
  await sql`ALTER TABLE role_permission ADD CONSTRAINT role_permission_permission_check CHECK (permission ~ '^[a-z][a-z_]*([.][a-z_]+)?$')`.execute(db);
}
