import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { kanaSearchKey, kanjiSearchKey } from '../../lib/kana.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';
import { addDays } from '../eligibility/eligibility.rules.js';
import type { ChangeReason, Relationship } from '../person/person.rules.js';
import { effectsOf, type AutomaticLossReason, type Effect, type EventFacts } from './intake-effects.rules.js';
import { AppError } from '../../http/errors.js';
import type { LossReason } from '../eligibility/eligibility.rules.js';
import { REGISTRY_EVENT_KINDS, type RegistryEvent, type RegistryEventCode } from './registry-events.js';

/**
 * Applying one registry event inside the caller's transaction: the event is recorded (its 異動連番 is
 * the key: a replay changes nothing), the person, household and membership change with history (the
 * history triggers keep every superseded version), and the 国保 effects are carried out — automatic
 * losses through the eligibility area's own rules, work items for the rest. A problem with the data as
 * it stands (an unknown 宛名番号, a second 世帯主) is an EventRejection: the caller rolls back the file.
 */

export class EventRejection extends Error {
  constructor(readonly eventId: string, readonly problem: string) {
    super(problem);
  }
}

/** What the intake asks of the eligibility area: a loss the law makes by itself, checked by its rules. */
export interface AutomaticLossPort {
  applyAutomaticLoss(tx: Kysely<DB>, input: { eligibilityId: number; lostOn: string; lossReason: LossReason; by: string }): Promise<number>;
}

/** The stored 資格喪失事由 of an automatic loss (国外転出 is a 転出; its date rule differs, not its reason). */
export function lossReasonOf(r: AutomaticLossReason): LossReason {
  return r === 'moved_out_abroad' ? 'moved_out' : r;
}

/**
 * Applies an automatic loss; when the eligibility rules refuse it (e.g. a period that does not fit the
 * registry's dates), the loss becomes a staff work item carrying the rule's message instead.
 */
export async function applyLossOrRefer(port: AutomaticLossPort, tx: Kysely<DB>, input: { eligibilityId: number; lostOn: string; lossReason: AutomaticLossReason; by: string }): Promise<{ applied: true; eligibilityId: number } | { applied: false; why: string }> {
  try {
    // The eligibility rules check before anything is written, so a refusal leaves the transaction clean.
    return { applied: true, eligibilityId: await port.applyAutomaticLoss(tx, { ...input, lossReason: lossReasonOf(input.lossReason) }) };
  } catch (e) {
    if (e instanceof AppError && (e.status === 422 || e.status === 409)) return { applied: false, why: e.message };
    throw e;
  }
}

export type ApplyOutcome =
  | { status: 'skipped' }
  | { status: 'taken'; effects: Effect[]; workItemIds: number[]; subjects: number[] };

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

export function contentSha256(e: RegistryEvent): string {
  return createHash('sha256').update(JSON.stringify(e)).digest('hex');
}

export interface ApplyContext {
  tx: Kysely<DB>;
  by: string;
  source: 'file' | 'api';
  jobRunId: string | null;
  eligibility: AutomaticLossPort;
}

export async function applyEvent(ctx: ApplyContext, e: RegistryEvent): Promise<ApplyOutcome> {
  const { tx } = ctx;
  const sha = contentSha256(e);
  const seen = await tx.selectFrom('registry_event').select(['content_sha256', 'received_at']).where('event_id', '=', e.eventId).executeTakeFirst();
  if (seen) {
    if (seen.content_sha256 === sha) return { status: 'skipped' };
    throw new EventRejection(e.eventId, `異動連番「${e.eventId}」は取込み済みですが、内容が異なります(同じ異動連番で別の内容は受け付けません)`);
  }
  await tx
    .insertInto('registry_event')
    .values({ event_id: e.eventId, event_code: e.eventCode, occurred_on: e.occurredOn, reported_on: e.reportedOn, atena_no: e.atenaNo, content: JSON.stringify(e), content_sha256: sha, source: ctx.source, job_run_id: ctx.jobRunId, received_by: ctx.by })
    .execute();

  const reason = CHANGE_REASON_OF[e.eventCode];
  const kind = REGISTRY_EVENT_KINDS[e.eventCode];
  const person = await tx.selectFrom('person').select(['atena_no', 'resident_status', 'birth_date']).where('atena_no', '=', e.atenaNo).forUpdate().executeTakeFirst();
  const subjects = new Set<number>([e.atenaNo]);

  if (kind.group === 'record') {
    if (person && person.resident_status === 'resident') throw new EventRejection(e.eventId, `宛名番号 ${e.atenaNo} は既に住民として記載されています(${kind.label}できません)`);
    if (person && person.resident_status === 'deceased') throw new EventRejection(e.eventId, `宛名番号 ${e.atenaNo} は死亡により消除されています`);
    await requireArea(ctx, e);
    await recordPerson(ctx, e, reason, !!person);
    await joinHousehold(ctx, e, reason);
  } else {
    if (!person) throw new EventRejection(e.eventId, `宛名番号 ${e.atenaNo} の住民は記載されていません(先に記載の異動が必要です)`);
    if (person.resident_status !== 'resident') throw new EventRejection(e.eventId, `宛名番号 ${e.atenaNo} は住民ではありません(${person.resident_status === 'deceased' ? '死亡' : '転出'}により消除済み)`);
    await changePerson(ctx, e, reason);
  }

  // 国保: the facts as of the event's day, then the rules.
  const facts = await factsOn(tx, e);
  const effects = effectsOf(e, facts);
  const workItemIds: number[] = [];
  for (const effect of effects) {
    if (effect.kind === 'automatic_loss') {
      const r = await applyLossOrRefer(ctx.eligibility, tx, { eligibilityId: facts.period!.eligibilityId, lostOn: effect.lostOn, lossReason: effect.lossReason, by: ctx.by });
      if (r.applied) workItemIds.push(await addWorkItem(ctx, e, { kind: 'automatic_loss', suggestedDate: effect.lostOn, basis: effect.basis, eligibilityId: r.eligibilityId }));
      else workItemIds.push(await addWorkItem(ctx, e, { kind: 'loss_candidate', suggestedDate: effect.lostOn, basis: `${effect.basis}。自動では適用できませんでした: ${r.why}`, eligibilityId: facts.period!.eligibilityId }));
    } else {
      workItemIds.push(await addWorkItem(ctx, e, { kind: effect.item, suggestedDate: effect.suggestedDate, basis: effect.basis, eligibilityId: facts.period?.eligibilityId ?? null }));
    }
  }
  return { status: 'taken', effects, workItemIds, subjects: [...subjects] };
}

async function requireArea(ctx: ApplyContext, e: RegistryEvent) {
  if (!e.areaCode) return;
  const area = await ctx.tx.selectFrom('address_area').select('area_code').where('area_code', '=', e.areaCode).executeTakeFirst();
  if (!area) throw new EventRejection(e.eventId, `町丁目コード ${e.areaCode} は住所コードの一覧にありません`);
}

async function recordPerson(ctx: ApplyContext, e: RegistryEvent, reason: ChangeReason, exists: boolean) {
  const values = {
    name_kanji: e.nameKanji!,
    name_kana: e.nameKana!,
    name_kanji_key: kanjiSearchKey(e.nameKanji!),
    name_kana_key: kanaSearchKey(e.nameKana!),
    alias_kanji: e.aliasKanji,
    alias_kana: e.aliasKana,
    alias_kanji_key: e.aliasKanji ? kanjiSearchKey(e.aliasKanji) : null,
    alias_kana_key: e.aliasKana ? kanaSearchKey(e.aliasKana) : null,
    birth_date: e.birthDate!,
    sex: e.sex!,
    resident_kind: e.residentKind!,
    resident_status: 'resident' as const,
    became_resident_on: e.occurredOn,
    area_code: e.areaCode,
    banchi: e.banchi,
    katagaki: e.katagaki,
    address_set_on: e.occurredOn,
    previous_address: e.otherAddress,
    moved_out_to: null,
    moved_out_on: null,
    residence_status: e.residenceStatus,
    residence_expires_on: e.residenceExpiresOn,
    valid_from: e.occurredOn,
    change_reason: reason,
    reported_on: e.reportedOn,
    updated_by: ctx.by,
  };
  if (exists) await ctx.tx.updateTable('person').set(values).where('atena_no', '=', e.atenaNo).execute();
  else await ctx.tx.insertInto('person').values({ atena_no: e.atenaNo, ...values }).execute();
}

async function changePerson(ctx: ApplyContext, e: RegistryEvent, reason: ChangeReason) {
  const base = { valid_from: e.occurredOn, change_reason: reason, reported_on: e.reportedOn, updated_by: ctx.by };
  const set = (values: Record<string, unknown>) => ctx.tx.updateTable('person').set({ ...base, ...values }).where('atena_no', '=', e.atenaNo).execute();
  switch (e.eventCode) {
    case '21':
    case '22':
    case '24':
    case '26':
      await set({ resident_status: 'moved_out', moved_out_on: e.occurredOn, moved_out_to: e.otherAddress });
      await leaveHousehold(ctx, e, e.occurredOn, reason);
      return;
    case '25':
      await set({ resident_status: 'deceased', death_date: e.occurredOn });
      await leaveHousehold(ctx, e, addDays(e.occurredOn, 1), reason);
      return;
    case '23':
      await set({ moved_out_on: e.occurredOn, moved_out_to: e.otherAddress });
      return;
    case '31':
      await requireArea(ctx, e);
      await set({ area_code: e.areaCode, banchi: e.banchi, katagaki: e.katagaki, address_set_on: e.occurredOn });
      return;
    case '32':
    case '33':
    case '34':
    case '35':
      await set({});
      await joinHousehold(ctx, e, reason);
      return;
    case '36':
      await set({ name_kanji: e.nameKanji, name_kana: e.nameKana, name_kanji_key: kanjiSearchKey(e.nameKanji!), name_kana_key: kanaSearchKey(e.nameKana!) });
      return;
    case '37':
      await set({ alias_kanji: e.aliasKanji, alias_kana: e.aliasKana, alias_kanji_key: e.aliasKanji ? kanjiSearchKey(e.aliasKanji) : null, alias_kana_key: e.aliasKana ? kanaSearchKey(e.aliasKana) : null });
      return;
    case '38':
      await set({ residence_status: e.residenceStatus, residence_expires_on: e.residenceExpiresOn });
      return;
    case '41':
    case '42':
      await set({ dv_support: e.eventCode === '41' });
      return;
    default:
      throw new Error(`not a change event: ${e.eventCode}`);
  }
}

/** The person's membership from the event's day: the household (made if new) and the 続柄. */
async function joinHousehold(ctx: ApplyContext, e: RegistryEvent, reason: ChangeReason) {
  const { tx } = ctx;
  const householdNo = e.householdNo!;
  const relationship = relationshipOf(e.relationship!);
  const household = await tx.selectFrom('household').select(['household_no', 'dissolved_on']).where('household_no', '=', householdNo).forUpdate().executeTakeFirst();
  if (!household) {
    await tx.insertInto('household').values({ household_no: householdNo, formed_on: e.occurredOn, valid_from: e.occurredOn, change_reason: reason, updated_by: ctx.by }).execute();
  } else if (household.dissolved_on !== null) {
    await tx.updateTable('household').set({ dissolved_on: null, valid_from: e.occurredOn, change_reason: reason, updated_by: ctx.by }).where('household_no', '=', householdNo).execute();
  }
  if (relationship === 'head') {
    const head = await tx.selectFrom('household_member').select('atena_no').where('household_no', '=', householdNo).where('valid_to', 'is', null).where('relationship', '=', 'head').executeTakeFirst();
    if (head && Number(head.atena_no) !== e.atenaNo) {
      throw new EventRejection(e.eventId, `世帯番号 ${householdNo} には世帯主(宛名番号 ${head.atena_no})がいます。先に元の世帯主の続柄を変更する異動を記載してください`);
    }
  }
  const current = await tx.selectFrom('household_member').selectAll().where('atena_no', '=', e.atenaNo).where('valid_to', 'is', null).forUpdate().executeTakeFirst();
  if (current && Number(current.household_no) === householdNo && current.relationship === relationship) return;
  if (current) {
    if (current.valid_from > e.occurredOn) {
      throw new EventRejection(e.eventId, `異動日(${d(e.occurredOn)})が現在の世帯への記載日(${d(current.valid_from)})より前です`);
    }
    if (current.valid_from === e.occurredOn) {
      // the same day as the membership began: the version is corrected, not ended
      await tx.updateTable('household_member').set({ household_no: householdNo, relationship, change_reason: reason, updated_by: ctx.by }).where('member_id', '=', current.member_id).execute();
      await dissolveIfEmpty(ctx, Number(current.household_no), e.occurredOn, reason);
      return;
    }
    await tx.updateTable('household_member').set({ valid_to: e.occurredOn, change_reason: reason, updated_by: ctx.by }).where('member_id', '=', current.member_id).execute();
  }
  const order = await tx.selectFrom('household_member').select((eb) => eb.fn.max('member_order').as('m')).where('household_no', '=', householdNo).where('valid_to', 'is', null).executeTakeFirst();
  await tx
    .insertInto('household_member')
    .values({ household_no: householdNo, atena_no: e.atenaNo, relationship, member_order: relationship === 'head' ? 1 : Number(order?.m ?? 0) + 1, valid_from: e.occurredOn, change_reason: reason, updated_by: ctx.by })
    .execute();
  if (current && Number(current.household_no) !== householdNo) await dissolveIfEmpty(ctx, Number(current.household_no), e.occurredOn, reason);
}

async function leaveHousehold(ctx: ApplyContext, e: RegistryEvent, from: string, reason: ChangeReason) {
  const current = await ctx.tx.selectFrom('household_member').selectAll().where('atena_no', '=', e.atenaNo).where('valid_to', 'is', null).forUpdate().executeTakeFirst();
  if (!current) return;
  if (current.valid_from >= from) {
    throw new EventRejection(e.eventId, `異動日(${d(e.occurredOn)})の時点で世帯に記載されていません(世帯への記載日 ${d(current.valid_from)})。記載と同じ日の消除は、記載の異動を取り消してから記載してください`);
  }
  await ctx.tx.updateTable('household_member').set({ valid_to: from, change_reason: reason, updated_by: ctx.by }).where('member_id', '=', current.member_id).execute();
  await dissolveIfEmpty(ctx, Number(current.household_no), from, reason);
}

async function dissolveIfEmpty(ctx: ApplyContext, householdNo: number, on: string, reason: ChangeReason) {
  const left = await ctx.tx.selectFrom('household_member').select('member_id').where('household_no', '=', householdNo).where('valid_to', 'is', null).executeTakeFirst();
  if (!left) await ctx.tx.updateTable('household').set({ dissolved_on: on, valid_from: on, change_reason: reason, updated_by: ctx.by }).where('household_no', '=', householdNo).execute();
}

/** The person's 国保 period and the household's, as of the event's day (current knowledge only). */
async function factsOn(tx: Kysely<DB>, e: RegistryEvent): Promise<EventFacts> {
  const day = e.occurredOn;
  const period = await tx
    .selectFrom('nhi_eligibility')
    .select(['eligibility_id', 'acquired_on', 'lost_on'])
    .where('atena_no', '=', e.atenaNo)
    .where('superseded_at', 'is', null)
    .where('acquired_on', '<=', day)
    .where((eb) => eb.or([eb('lost_on', 'is', null), eb('lost_on', '>', day)]))
    .orderBy('acquired_on', 'desc')
    .executeTakeFirst();
  const householdNo = e.householdNo ?? (await tx.selectFrom('household_member').select('household_no').where('atena_no', '=', e.atenaNo).where('valid_from', '<=', day).orderBy('valid_from', 'desc').executeTakeFirst())?.household_no;
  let householdInsured = false;
  if (householdNo !== undefined && householdNo !== null) {
    const insured = await tx
      .selectFrom('household_member as m')
      .innerJoin('nhi_eligibility as n', 'n.atena_no', 'm.atena_no')
      .select('n.eligibility_id')
      .where('m.household_no', '=', Number(householdNo))
      .where('m.atena_no', '<>', e.atenaNo)
      .where('m.valid_from', '<=', day)
      .where((eb) => eb.or([eb('m.valid_to', 'is', null), eb('m.valid_to', '>', day)]))
      .where('n.superseded_at', 'is', null)
      .where('n.acquired_on', '<=', day)
      .where((eb) => eb.or([eb('n.lost_on', 'is', null), eb('n.lost_on', '>', day)]))
      .executeTakeFirst();
    householdInsured = !!insured;
  }
  const p = await tx.selectFrom('person').select('birth_date').where('atena_no', '=', e.atenaNo).executeTakeFirst();
  return {
    period: period ? { eligibilityId: Number(period.eligibility_id), acquiredOn: period.acquired_on, lostOn: period.lost_on } : null,
    householdInsured,
    birthDate: p?.birth_date ?? null,
  };
}

async function addWorkItem(ctx: ApplyContext, e: RegistryEvent, w: { kind: string; suggestedDate: string | null; basis: string; eligibilityId: number | null }): Promise<number> {
  // The household the item concerns: the event's, or the one the person was last a member of.
  const householdNo =
    e.householdNo ??
    (await ctx.tx.selectFrom('household_member').select('household_no').where('atena_no', '=', e.atenaNo).orderBy('valid_from', 'desc').executeTakeFirst())?.household_no ??
    null;
  const r = await ctx.tx
    .insertInto('work_item')
    .values({ kind: w.kind as never, atena_no: e.atenaNo, household_no: householdNo, event_id: e.eventId, suggested_date: w.suggestedDate, basis: w.basis, eligibility_id: w.eligibilityId, created_by: ctx.by })
    .returning('work_item_id')
    .executeTakeFirstOrThrow();
  return Number(r.work_item_id);
}
