import type { Generated } from 'kysely';

/**
 * Table types for Kysely, kept in step with src/db/migrations by hand (a test compares them with the
 * live catalogue). Dates are ISO strings (YYYY-MM-DD), timestamps are Date, bigint ids are numbers.
 */
type Stamp = { updated_at: Generated<Date>; updated_by: string };
type HistoryTable = {
  history_id: Generated<number>;
  row_key: string;
  op: 'UPDATE' | 'DELETE';
  changed_fields: string[];
  row_data: unknown;
  superseded_at: Date;
  superseded_by: string;
};

export type Sex = 'male' | 'female';
export type ResidentKind = 'japanese' | 'foreign';
export type ResidentStatus = 'resident' | 'moved_out' | 'deceased';
export type IncomeType = 'salary' | 'pension' | 'business' | 'other';

export interface AddressAreaTable {
  area_code: string;
  town_name: string;
  chome: number | null;
  postal_code: string;
  branch_office: string;
}

export interface PersonTable extends Stamp {
  atena_no: number;
  name_kanji: string;
  name_kana: string;
  name_kana_key: string;
  name_kanji_key: string;
  alias_kanji: string | null;
  alias_kana: string | null;
  alias_kana_key: string | null;
  alias_kanji_key: string | null;
  real_name: string | null;
  real_name_kana: string | null;
  birth_date: string;
  sex: Sex;
  resident_kind: ResidentKind;
  resident_status: ResidentStatus;
  nationality_code: string | null;
  became_resident_on: string | null;
  area_code: string | null;
  banchi: string | null;
  katagaki: string | null;
  address_set_on: string | null;
  previous_address: string | null;
  moved_out_to: string | null;
  moved_out_on: string | null;
  death_date: string | null;
  phone: string | null;
  dv_support: Generated<boolean>;
  valid_from: string;
  change_reason: string;
  reported_on: string | null;
}

export interface HouseholdTable extends Stamp {
  household_no: number;
  formed_on: string;
  dissolved_on: string | null;
  valid_from: string;
  change_reason: string;
}

export interface HouseholdMemberTable extends Stamp {
  member_id: Generated<number>;
  household_no: number;
  atena_no: number;
  relationship: string;
  member_order: number;
  valid_from: string;
  valid_to: string | null;
  change_reason: string;
}

export interface IncomeTable extends Stamp {
  atena_no: number;
  fiscal_year: number;
  income_type: IncomeType;
  revenue_yen: number;
  income_yen: number;
}

export interface NhiEligibilityTable extends Stamp {
  eligibility_id: Generated<number>;
  atena_no: number;
  household_no: number;
  insured_symbol: string;
  insured_number: string;
  branch_no: string;
  acquired_on: string;
  acquisition_reason: string;
  lost_on: string | null;
  loss_reason: string | null;
  recorded_at: Generated<Date>;
  superseded_at: Date | null;
}

export interface OfficeTable {
  office_code: string;
  name: string;
  kind: 'head_office' | 'branch' | 'tax';
}

export interface StaffTable extends Stamp {
  staff_id: string;
  display_name: string;
  office_code: string;
  /** null until the owner sets a password at first login (enrolment). */
  password_hash: string | null;
  totp_secret_enc: string | null;
  activation_code_hash: string | null;
  activation_expires_at: Date | null;
  second_factor_failures: Generated<number>;
  totp_last_step: number | null;
  failed_logins: Generated<number>;
  locked_until: Date | null;
  disabled_at: Date | null;
  disabled_reason: string | null;
  created_at: Generated<Date>;
}

export interface RoleTable {
  role_code: string;
  name: string;
  read_only: Generated<boolean>;
}
export interface RolePermissionTable {
  role_code: string;
  permission: string;
}
export interface StaffRoleTable {
  staff_id: string;
  role_code: string;
  granted_at: Generated<Date>;
  granted_by: string;
}
export interface GrantLogTable {
  grant_log_id: Generated<number>;
  staff_id: string;
  role_code: string | null;
  action: 'grant' | 'revoke' | 'disable' | 'enable' | 'create';
  at: Generated<Date>;
  by_actor: string;
}
export interface WebauthnCredentialTable {
  credential_id: string;
  staff_id: string;
  public_key: Uint8Array;
  sign_count: Generated<number>;
  transports: Generated<string[]>;
  created_at: Generated<Date>;
}
export interface StaffSessionTable {
  session_hash: string;
  staff_id: string;
  stage: 'password_ok' | 'active';
  second_factor: 'totp' | 'webauthn' | null;
  csrf_token: string;
  webauthn_challenge: string | null;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  step_up_at: Date | null;
  ended_at: Date | null;
  end_reason: string | null;
  ip: string | null;
  terminal: string | null;
}

export type AuditOutcome = 'success' | 'denied' | 'failure' | 'error';
export interface AuditEventTable {
  seq: number;
  occurred_at: Date;
  actor_kind: 'staff' | 'operator' | 'anonymous';
  actor_id: string;
  session_ref: string | null;
  terminal: string | null;
  ip: string | null;
  function_code: string;
  action: string;
  subjects: number[];
  detail: unknown;
  outcome: AuditOutcome;
  correlation_id: string | null;
  prev_hash: string;
  row_hash: string;
}
export interface AuditCheckpointTable {
  seq: number;
  row_hash: string;
  created_at: Date;
  signature: string;
}
export interface PersonMyNumberTable extends Stamp {
  atena_no: number;
  ciphertext: string;
  key_id: string;
  blind_index: string;
}
export interface PendingChangeTable {
  change_id: Generated<number>;
  kind: string;
  // TODO(issue 6, approvals): the column is nullable since 2026-11-30T0100 (changes keyed by subject_key).
  atena_no: number;
  subject_key: Generated<string | null>;
  payload: unknown;
  summary: unknown;
  warnings: Generated<string[]>;
  status: Generated<'pending' | 'approved' | 'rejected'>;
  requested_by: string;
  requested_at: Generated<Date>;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
}
export interface JobRunTable {
  run_id: string;
  job: string;
  actor: string;
  params: unknown;
  status: 'running' | 'completed' | 'failed';
  progress: Generated<unknown>;
  result: unknown | null;
  started_at: Generated<Date>;
  finished_at: Date | null;
}

export interface DB {
  address_area: AddressAreaTable;
  person: PersonTable;
  person_history: HistoryTable;
  household: HouseholdTable;
  household_history: HistoryTable;
  household_member: HouseholdMemberTable;
  household_member_history: HistoryTable;
  income: IncomeTable;
  income_history: HistoryTable;
  nhi_eligibility: NhiEligibilityTable;
  nhi_eligibility_history: HistoryTable;
  office: OfficeTable;
  staff: StaffTable;
  role: RoleTable;
  role_permission: RolePermissionTable;
  staff_role: StaffRoleTable;
  grant_log: GrantLogTable;
  webauthn_credential: WebauthnCredentialTable;
  staff_session: StaffSessionTable;
  audit_event: AuditEventTable;
  audit_checkpoint: AuditCheckpointTable;
  person_my_number: PersonMyNumberTable;
  pending_change: PendingChangeTable;
  job_run: JobRunTable;
}
