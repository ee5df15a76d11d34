import { addDays, lateElderlyBirthday } from '../eligibility/eligibility.rules.js';
import { REGISTRY_EVENT_KINDS, type RegistryEvent } from './registry-events.js';

/**
 * What a registry event means for 国保 (pure). Where the law makes the change itself — death, 転出 out of
 * the prefecture or abroad, reaching 75 — the system applies it as a system actor (automatic, listed for
 * review); everything else that touches NHI becomes a work item (作業項目) for staff with the suggested
 * action, date and legal basis. An event that does not touch NHI (a 転居 of an uninsured person) has
 * no effect here; its registry data is still recorded.
 */

/** The person's 国保 period open on the event's day (from the as-of view), if any. */
export interface OpenPeriod {
  eligibilityId: number;
  acquiredOn: string;
  lostOn: string | null;
}

export interface EventFacts {
  /** The person's period in force on the event's day (null: not insured that day). */
  period: OpenPeriod | null;
  /** Whether anyone of the (new) household is insured on the event's day (出生 into a 国保 household). */
  householdInsured: boolean;
  /** The person's birth date (for the 75th birthday bound). */
  birthDate: string | null;
}

export type WorkItemKind =
  | 'acquisition_candidate'
  | 'application_start_in_prefecture'
  | 'loss_candidate'
  | 'application_end_in_prefecture'
  | 'household_review'
  | 'certificate_reissue'
  | 'residence_review';

export const WORK_ITEM_LABELS: Record<WorkItemKind, string> = {
  acquisition_candidate: '資格取得の候補',
  application_start_in_prefecture: '県内転入(資格継続・適用開始)',
  loss_candidate: '資格喪失の候補',
  application_end_in_prefecture: '県内転出(資格継続・適用終了)',
  household_review: '国保世帯の見直し',
  certificate_reissue: '資格確認書等の再交付',
  residence_review: '在留資格・在留期間の確認',
};

export type AutomaticLossReason = 'death' | 'moved_out' | 'moved_out_abroad' | 'late_elderly';

export type Effect =
  | { kind: 'automatic_loss'; lostOn: string; lossReason: AutomaticLossReason; basis: string }
  | { kind: 'work_item'; item: WorkItemKind; suggestedDate: string | null; basis: string };

const ART_5 = '国民健康保険法 第5条(都道府県の区域内に住所を有する者は被保険者とする)';
const ART_7 = '国民健康保険法 第7条(住所を有するに至った日から資格を取得)';

/** The effects of one event on 国保, given the facts as of its day. */
export function effectsOf(e: RegistryEvent, f: EventFacts): Effect[] {
  const insured = f.period !== null;
  const item = (kind: WorkItemKind, suggestedDate: string | null, basis: string): Effect => ({ kind: 'work_item', item: kind, suggestedDate, basis });
  const loss = (lostOn: string, lossReason: AutomaticLossReason, basis: string): Effect[] => {
    if (!f.period) return [];
    // A period that already ends on or before that day needs nothing; one that begins later is for a clerk.
    if (f.period.lostOn !== null && f.period.lostOn <= lostOn) return [];
    if (f.period.acquiredOn > lostOn) return [item('loss_candidate', lostOn, `${basis}(資格取得日が喪失日より後のため職員が確認)`)];
    return [{ kind: 'automatic_loss', lostOn, lossReason, basis }];
  };
  switch (e.eventCode) {
    case '11':
    case '13':
    case '15':
      return insured ? [] : [item('acquisition_candidate', e.occurredOn, `${ART_5}、${ART_7}。被用者保険・後期高齢者医療・生活保護等(第6条)に該当しないことを確認`)];
    case '12':
      // Saitama is the insurer since 2018-04-01: a move within the prefecture keeps 資格 (取得日 unchanged).
      return insured ? [] : [item('application_start_in_prefecture', e.occurredOn, '国民健康保険法 第5条・第7条(平成30年4月1日以降、同一都道府県内の市町村間の住所異動では資格を喪失・取得しない)。前住所地の資格取得日を引き継ぐ')];
    case '14':
      return !insured && f.householdInsured ? [item('acquisition_candidate', e.occurredOn, '国民健康保険法 第7条(出生の日に資格を取得)。世帯に国保の被保険者がいるため')] : [];
    case '21':
      // 国保法 §8 ただし書: a domestic 転出 gives the new address that day, so the loss is that day.
      return loss(e.occurredOn, 'moved_out', '国民健康保険法 第8条ただし書(その日に他の都道府県の区域内に住所を有するに至ったときは、その日に資格を喪失)');
    case '22':
      return insured ? [item('application_end_in_prefecture', e.occurredOn, '国民健康保険法 第5条(同一都道府県内の住所異動では資格を喪失しない。転出先市町村へ資格を引き継ぐ)')] : [];
    case '23':
      return insured ? [item('loss_candidate', e.occurredOn, '国民健康保険法 第8条(転出予定。転出の確定後に喪失日を決定)')] : [];
    case '24':
      return loss(addDays(e.occurredOn, 1), 'moved_out_abroad', '国民健康保険法 第8条(住所を有しなくなった日の翌日に資格を喪失。国外転出には同日の新住所がない)');
    case '25':
      return loss(addDays(e.occurredOn, 1), 'death', '国民健康保険法 第8条(死亡の日の翌日に資格を喪失)');
    case '26':
      return insured ? [item('loss_candidate', addDays(e.occurredOn, 1), '国民健康保険法 第8条(職権消除: 住所を有しなくなった日の翌日。実際に住所を失った日を確認)')] : [];
    case '32':
    case '33':
    case '34':
    case '35':
      return insured || f.householdInsured ? [item('household_review', e.occurredOn, `${REGISTRY_EVENT_KINDS[e.eventCode].label}: 国保世帯・世帯主(擬制世帯主を含む)の見直し(国民健康保険法 第9条・同法施行規則の世帯変更の届出、地方税法 第703条の4の納税義務者)`)] : [];
    case '36':
    case '37':
      return insured ? [item('certificate_reissue', e.occurredOn, '国民健康保険法 第9条・同法施行規則(氏名等の変更の届出)。資格確認書・資格情報のお知らせの記載事項の変更')] : [];
    case '38':
      return insured ? [item('residence_review', e.occurredOn, '国民健康保険法施行規則 第1条(在留期間が3月以下の者等は適用除外)。在留資格・在留期間を確認')] : [];
    case '31':
    case '41':
    case '42':
      return [];
  }
}

/**
 * 75歳到達 (後期高齢者医療, 国保法 §6第8号): the loss on the 75th birthday when the period is still open
 * then. Not a registry event: the daily job asks this of every insured person.
 */
export function lateElderlyLoss(birthDate: string, period: OpenPeriod, today: string): Effect | null {
  const birthday = lateElderlyBirthday(birthDate, today);
  if (birthday === null || birthday > today) return null;
  if (period.lostOn !== null && period.lostOn <= birthday) return null;
  if (period.acquiredOn >= birthday) return { kind: 'work_item', item: 'loss_candidate', suggestedDate: birthday, basis: '国民健康保険法 第6条第8号(75歳の誕生日以後に取得した資格: 職員が確認)' };
  return { kind: 'automatic_loss', lostOn: birthday, lossReason: 'late_elderly', basis: '国民健康保険法 第6条第8号、高齢者の医療の確保に関する法律 第50条・第52条(75歳の誕生日に後期高齢者医療の被保険者となり、その日に国保の資格を喪失)' };
}
