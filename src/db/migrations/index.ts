import type { Migration } from 'kysely';
import * as m0100 from './2026-11-25T0100_roles_and_history.js';
import * as m0200 from './2026-11-25T0200_atena_household.js';
import * as m0300 from './2026-11-25T0300_access_audit_mynumber.js';
import * as m0400 from './2026-11-25T0400_totp_replay.js';
import * as m1130_0100 from './2026-11-30T0100_enrolment_and_approvals.js';
import * as m1130_0200 from './2026-11-30T0200_enrolment_sessions.js';
import * as m1130_0300 from './2026-11-30T0300_grant_log_approver.js';
import * as m1130_0400 from './2026-11-30T0400_dv_protected_address.js';
import * as m1130_0500 from './2026-11-30T0500_audit_sealing.js';
import * as m1130_0600 from './2026-11-30T0600_batch_runs.js';
import * as m1201_0100 from './2026-12-01T0100_stored_codes.js';
import * as m1201_0300 from './2026-12-01T0300_registry_intake.js';
import * as m1201_0500 from './2026-12-01T0500_export_lines.js';
import * as m1201_0600 from './2026-12-01T0600_eligibility_dates.js';
import * as m1201_0700 from './2026-12-01T0700_change_withdrawn.js';
import * as m1201_0800 from './2026-12-01T0800_nhi_household.js';
import * as m1201_0900 from './2026-12-01T0900_certificates.js';
import * as m1202_0300 from './2026-12-02T0300_income_returns.js';
import * as m1202_0400 from './2026-12-02T0400_assessments.js';
import * as m1202_0500 from './2026-12-02T0500_reassessment_reasons.js';
import * as m1202_0600 from './2026-12-02T0600_assessment_installments.js';
import * as m1202_0700 from './2026-12-02T0700_perinatal_notifications.js';
import * as m1202_0800 from './2026-12-02T0800_unemployment_notifications.js';
import * as m1202_0900 from './2026-12-02T0900_prefecture_acquired_on.js';
import * as m1202_1000 from './2026-12-02T1000_tax_exemptions.js';
import * as m1202_1100 from './2026-12-02T1100_history_by_statement.js';
import * as m1202_1200 from './2026-12-02T1200_assessment_reference_checks.js';
import * as m1202_1300 from './2026-12-02T1300_person_fillfactor.js';
import * as m1203_0100 from './2026-12-03T0100_pension_withholding.js';
import * as m1203_0200 from './2026-12-03T0200_collection_changed_reason.js';
import * as m1203_0300 from './2026-12-03T0300_assessment_cheaper_writes.js';
import * as m1203_0400 from './2026-12-03T0400_dv_address_apart.js';
import * as m1203_0500 from './2026-12-03T0500_app_wal_compression.js';
import * as m1203_0600 from './2026-12-03T0600_registry_event_cheaper_checks.js';
import * as m1203_0700 from './2026-12-03T0700_intake_reference_checks.js';
import * as m1203_0800 from './2026-12-03T0800_registry_event_unread_index.js';
import * as m1203_0900 from './2026-12-03T0900_reference_checks_planned_each_time.js';
import * as m1203_1000 from './2026-12-03T1000_address_exception_household_no.js';
import * as m1204_0100 from './2026-12-04T0100_character_checks_in_one_pass.js';
import * as m1205_0100 from './2026-12-05T0100_registry_event_content_as_received.js';
import * as m1206_0100 from './2026-12-06T0100_typed_history.js';

/** Every migration, in order. Forward-only: a migration, once landed, is never edited. */
export const migrations: Record<string, Migration> = {
  '2026-11-25T0100_roles_and_history': m0100,
  '2026-11-25T0200_atena_household': m0200,
  '2026-11-25T0300_access_audit_mynumber': m0300,
  '2026-11-25T0400_totp_replay': m0400,
  '2026-11-30T0100_enrolment_and_approvals': m1130_0100,
  '2026-11-30T0200_enrolment_sessions': m1130_0200,
  '2026-11-30T0300_grant_log_approver': m1130_0300,
  '2026-11-30T0400_dv_protected_address': m1130_0400,
  '2026-11-30T0500_audit_sealing': m1130_0500,
  '2026-11-30T0600_batch_runs': m1130_0600,
  '2026-12-01T0100_stored_codes': m1201_0100,
  '2026-12-01T0300_registry_intake': m1201_0300,
  '2026-12-01T0500_export_lines': m1201_0500,
  '2026-12-01T0600_eligibility_dates': m1201_0600,
  '2026-12-01T0700_change_withdrawn': m1201_0700,
  '2026-12-01T0800_nhi_household': m1201_0800,
  '2026-12-01T0900_certificates': m1201_0900,
  '2026-12-02T0300_income_returns': m1202_0300,
  '2026-12-02T0400_assessments': m1202_0400,
  '2026-12-02T0500_reassessment_reasons': m1202_0500,
  '2026-12-02T0600_assessment_installments': m1202_0600,
  '2026-12-02T0700_perinatal_notifications': m1202_0700,
  '2026-12-02T0800_unemployment_notifications': m1202_0800,
  '2026-12-02T0900_prefecture_acquired_on': m1202_0900,
  '2026-12-02T1000_tax_exemptions': m1202_1000,
  '2026-12-02T1100_history_by_statement': m1202_1100,
  '2026-12-02T1200_assessment_reference_checks': m1202_1200,
  '2026-12-02T1300_person_fillfactor': m1202_1300,
  '2026-12-03T0100_pension_withholding': m1203_0100,
  '2026-12-03T0200_collection_changed_reason': m1203_0200,
  '2026-12-03T0300_assessment_cheaper_writes': m1203_0300,
  '2026-12-03T0400_dv_address_apart': m1203_0400,
  '2026-12-03T0500_app_wal_compression': m1203_0500,
  '2026-12-03T0600_registry_event_cheaper_checks': m1203_0600,
  '2026-12-03T0700_intake_reference_checks': m1203_0700,
  '2026-12-03T0800_registry_event_unread_index': m1203_0800,
  '2026-12-03T0900_reference_checks_planned_each_time': m1203_0900,
  '2026-12-03T1000_address_exception_household_no': m1203_1000,
  '2026-12-04T0100_character_checks_in_one_pass': m1204_0100,
  '2026-12-05T0100_registry_event_content_as_received': m1205_0100,
  '2026-12-06T0100_typed_history': m1206_0100,
};
