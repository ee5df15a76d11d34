/**
 * Kysely table types. Generated from the migrations into schema.generated.ts (`npm run gen:db`; a test
 * fails when it is stale): never edit table types by hand. Dates are ISO strings (YYYY-MM-DD),
 * timestamps are Date, bigint ids are numbers; a column with `CHECK (col IN (…))` is that union.
 * The names below are the shorthands other code imports.
 */
import type { AuditEventTable, IncomeTable, PersonTable, StaffSessionTable } from './schema.generated.js';

export type * from './schema.generated.js';

export type Sex = PersonTable['sex'];
export type ResidentKind = PersonTable['resident_kind'];
export type ResidentStatus = PersonTable['resident_status'];
export type IncomeType = IncomeTable['income_type'];
export type AuditOutcome = AuditEventTable['outcome'];
export type SessionEndReason = NonNullable<StaffSessionTable['end_reason']>;
