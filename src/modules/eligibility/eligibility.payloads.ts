import { z } from 'zod';
import { ACQUISITION_REASON_CODES, LOSS_REASON_CODES } from './eligibility.rules.js';

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
  appliedEligibilityId: z.number().int().optional(),
});
export type PeriodPayload = z.infer<typeof PeriodPayloadSchema>;
