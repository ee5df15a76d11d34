import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { ChangeReason, Relationship } from '../person/person.rules.js';
import type { AutomaticLossReason } from './intake-effects.rules.js';
import { AppError } from '../../http/errors.js';
import type { LossReason } from '../eligibility/eligibility.rules.js';
import type { RegistryEvent, RegistryEventCode } from './registry-events.js';

/**
 * What the registry's events are stored as: the 異動事由 and 続柄 codes, the content hash that makes a
 * replay change nothing, and the rejection of an event that does not fit the registry as it stands (an
 * unknown 宛名番号, a second 世帯主), which rolls the whole batch back. Applying them: registry.bulk.ts.
 */

export class EventRejection extends Error {
  constructor(readonly eventId: string, readonly problem: string) {
    super(problem);
  }
}

/** What the intake asks of the eligibility area: a loss the law makes by itself, checked by its rules. */
export interface AutomaticLossPort {
  applyAutomaticLoss(tx: Kysely<DB>, input: { eligibilityId: number; lostOn: string; lossReason: LossReason; by: string; reportedOn?: string | null }): Promise<number>;
}

/** The stored 資格喪失事由 of an automatic loss (国外転出 is a 転出; its date rule differs, not its reason). */
export function lossReasonOf(r: AutomaticLossReason): LossReason {
  return r === 'moved_out_abroad' ? 'moved_out' : r;
}

/**
 * Applies an automatic loss; when the eligibility rules refuse it (e.g. a period that does not fit the
 * registry's dates), the loss becomes a staff work item carrying the rule's message instead.
 */
export async function applyLossOrRefer(port: AutomaticLossPort, tx: Kysely<DB>, input: { eligibilityId: number; lostOn: string; lossReason: AutomaticLossReason; by: string; reportedOn?: string | null }): Promise<{ applied: true; eligibilityId: number } | { applied: false; why: string }> {
  try {
    // The eligibility rules check before anything is written, so a refusal leaves the transaction clean.
    return { applied: true, eligibilityId: await port.applyAutomaticLoss(tx, { ...input, lossReason: lossReasonOf(input.lossReason) }) };
  } catch (e) {
    if (e instanceof AppError && (e.status === 422 || e.status === 409)) return { applied: false, why: e.message };
    throw e;
  }
}

export const CHANGE_REASON_OF: Record<RegistryEventCode, ChangeReason> = {
  '11': 'moved_in',
  '12': 'moved_in',
  '13': 'moved_in_from_abroad',
  '14': 'birth',
  '15': 'recorded_ex_officio',
  '21': 'moved_out',
  '22': 'moved_out',
  '23': 'moved_out_planned',
  '24': 'moved_out_abroad',
  '25': 'death',
  '26': 'removed_ex_officio',
  '31': 'moved_within',
  '32': 'household_split',
  '33': 'household_merged',
  '34': 'head_changed',
  '35': 'household_changed',
  '36': 'name_changed',
  '37': 'alias_changed',
  '38': 'residence_changed',
  '41': 'support_started',
  '42': 'support_ended',
};

const RELATIONSHIP_OF_TEXT: Record<string, Relationship> = {
  世帯主: 'head',
  妻: 'wife',
  '妻(未届)': 'wife',
  夫: 'husband',
  '夫(未届)': 'husband',
  子: 'child',
  父: 'father',
  母: 'mother',
  子の妻: 'child_wife',
  '子(子の妻)': 'child_wife',
  子の夫: 'child_husband',
  '子(子の夫)': 'child_husband',
  子の子: 'grandchild',
  兄: 'sibling',
  姉: 'sibling',
  弟: 'sibling',
  妹: 'sibling',
  縁故者: 'relative',
  同居人: 'lodger',
};

/** 続柄 as the registry writes it (住民記録システム標準仕様書 1.1.11) → the stored code; chains not listed → other. */
export function relationshipOf(text: string): Relationship {
  return RELATIONSHIP_OF_TEXT[text.normalize('NFKC').replace(/\s/g, '').replace(/\(/g, '(').replace(/\)/g, ')')] ?? 'other';
}

/** An event's stored content (registry_event.content): its JSON text, which content_sha256 hashes. */
export const contentText = (e: RegistryEvent): string => JSON.stringify(e);

/** SHA-256 (hex) of an event's content text. */
export const sha256OfContent = (text: string): string => createHash('sha256').update(text).digest('hex');

export function contentSha256(e: RegistryEvent): string {
  return sha256OfContent(contentText(e));
}
