import { z } from 'zod';
import { ACQUISITION_REASON_CODES, LOSS_REASON_CODES, MOVED_OUT_DESTINATIONS, type MovedOutDestination } from './eligibility.rules.js';

const AcquisitionReasonSchema = z.enum(ACQUISITION_REASON_CODES);
const LossReasonSchema = z.enum(LOSS_REASON_CODES);

/**
 * What a pending 資格 change stores for the apply step (pending_change.payload), declared once: the
 * approval module checks it on submit and again before applying.
 */

/** The person's facts as the clerk saw them when entering the change (a later change refuses the apply). */
export const PersonSeenSchema = z.object({
  birthDate: z.string(),
  deathDate: z.string().nullable(),
  movedOutOn: z.string().nullable(),
  /** Absent in changes entered before the registry said where a 転出 went (read as null). */
  movedOutDestination: z.enum(Object.keys(MOVED_OUT_DESTINATIONS) as [MovedOutDestination, ...MovedOutDestination[]]).nullable().optional(),
  becameResidentOn: z.string().nullable(),
  residentStatus: z.string(),
});
export type PersonSeen = z.infer<typeof PersonSeenSchema>;

/** A period's legal content as stored (reasons as their codes). */
export const PeriodStateSchema = z.object({
  acquiredOn: z.string(),
  acquisitionReason: AcquisitionReasonSchema,
  lostOn: z.string().nullable(),
  lossReason: LossReasonSchema.nullable(),
});
export type PeriodState = z.infer<typeof PeriodStateSchema>;

export const AcquirePayloadSchema = z.object({
  householdNo: z.number().int(),
  acquiredOn: z.string(),
  acquisitionReason: AcquisitionReasonSchema,
  reportedOn: z.string().nullable(),
  /** 事由発生日 (退職日, 保護廃止日 …), when entered. */
  occurredOn: z.string().nullable().optional(),
  /** 県内転入: the prefecture-level 資格取得日, when entered. */
  prefectureAcquiredOn: z.string().nullable().optional(),
  /** A period already ended when entered: its loss, recorded with it. */
  loss: z.object({ lostOn: z.string(), lossReason: LossReasonSchema, reportedOn: z.string().nullable().optional(), occurredOn: z.string().nullable().optional() }).nullable().optional(),
  person: PersonSeenSchema,
  /** Set by the apply step: the version it recorded. */
  appliedEligibilityId: z.number().int().optional(),
});
export type AcquirePayload = z.infer<typeof AcquirePayloadSchema>;

export const PeriodPayloadSchema = z.object({
  eligibilityId: z.number().int(),
  /** updated_at of the version when the change was entered (any write since changes it). */
  rowUpdatedAt: z.string(),
  person: PersonSeenSchema,
  before: PeriodStateSchema,
  /** null for a deletion. */
  after: PeriodStateSchema.nullable(),
  reason: z.string().optional(),
  /** A loss: its 届出日 and 事由発生日 (社保の資格取得日, 保護開始日 …), when entered. */
  reportedOn: z.string().nullable().optional(),
  occurredOn: z.string().nullable().optional(),
  appliedEligibilityId: z.number().int().optional(),
});
export type PeriodPayload = z.infer<typeof PeriodPayloadSchema>;
