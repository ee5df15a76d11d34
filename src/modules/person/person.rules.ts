import type { Actor } from '../../security/actor.js';

/** Pure rules of the 宛名 area. No I/O. */

// ---- stored codes and their labels (the database stores the code; screens show the label) ----

/** 続柄 (household_member.relationship). */
export const RELATIONSHIPS = {
  head: '世帯主',
  wife: '妻',
  husband: '夫',
  child: '子',
  father: '父',
  mother: '母',
  child_wife: '子の妻',
  child_husband: '子の夫',
  grandchild: '子の子',
  sibling: '兄弟姉妹',
  relative: '縁故者',
  lodger: '同居人',
  other: 'その他',
} as const;
export type Relationship = keyof typeof RELATIONSHIPS;
/** The codes, in order (a zod enum is `z.enum(RELATIONSHIP_CODES)`). */
export const RELATIONSHIP_CODES = Object.keys(RELATIONSHIPS) as [Relationship, ...Relationship[]];

/** 異動事由 (person / household / household_member.change_reason). */
export const CHANGE_REASONS = {
  moved_in: '転入',
  moved_in_from_abroad: '国外転入',
  moved_within: '転居',
  moved_out: '国内転出',
  moved_out_abroad: '国外転出',
  birth: '出生',
  death: '死亡',
  household_split: '世帯分離',
  household_merged: '世帯合併',
  household_changed: '世帯変更',
  recorded_ex_officio: '職権記載',
  removed_ex_officio: '職権消除',
  moved_out_planned: '転出予定',
  head_changed: '世帯主変更',
  name_changed: '氏名変更',
  alias_changed: '通称の記載・削除',
  residence_changed: '在留資格・在留期間の変更',
  support_started: '支援措置 開始',
  support_ended: '支援措置 終了',
  naturalized: '帰化・国籍取得',
  corrected: '修正',
  other: 'その他',
} as const;
export type ChangeReason = keyof typeof CHANGE_REASONS;
/** The codes, in order (a zod enum is `z.enum(CHANGE_REASON_CODES)`). */
export const CHANGE_REASON_CODES = Object.keys(CHANGE_REASONS) as [ChangeReason, ...ChangeReason[]];

export const relationshipLabel = (code: Relationship): string => RELATIONSHIPS[code];
export const changeReasonLabel = (code: ChangeReason): string => CHANGE_REASONS[code];

/** Who lives where, for the DV等支援措置 rule: current household and address (町字 + 番地 + 方書). */
export interface AddressHolder {
  atenaNo: number;
  householdNo: number | null;
  areaCode: string | null;
  banchi: string | null;
  katagaki: string | null;
  dvSupport: boolean;
}

/** The same dwelling: same 町字 (area code), 番地 and 方書 (no 方書 matches only no 方書). */
export function sameAddress(a: AddressHolder, b: AddressHolder): boolean {
  return a.areaCode !== null && a.areaCode === b.areaCode && (a.banchi ?? '') === (b.banchi ?? '') && (a.katagaki ?? '') === (b.katagaki ?? '');
}

/**
 * DV等支援措置 protects an address, not only the flagged person: a person's address is protected when
 * they are flagged, when a flagged person is a current member of their household, or when a flagged
 * person lives at the same address (another household at the same 番地 and 方書). Otherwise an
 * unflagged child or partner would show where the flagged person lives.
 */
export function addressProtected(person: AddressHolder, dvPersons: readonly AddressHolder[]): boolean {
  if (person.dvSupport) return true;
  return dvPersons.some((d) => d.dvSupport && ((person.householdNo !== null && d.householdNo === person.householdNo) || sameAddress(person, d)));
}

/** A protected address (and 転出先/転入前, and which address fields changed) is hidden from everyone without 'dv.read'. */
export function addressVisible(actor: Actor, isProtected: boolean): boolean {
  if (!isProtected) return true;
  return actor.kind !== 'anonymous' && actor.permissions.has('dv.read');
}

/** Address fields of the 住民記録: their names are masked in histories shown without the address. */
export const ADDRESS_FIELDS: readonly string[] = ['area_code', 'banchi', 'katagaki', 'address_set_on', 'previous_address', 'moved_out_to', 'moved_out_on'];

export function maskAddressFields(fields: readonly string[]): string[] {
  return fields.map((f) => (ADDRESS_FIELDS.includes(f) ? '(住所関係)' : f));
}

/** Record scope (all residents, or the NHI file only): one rule, kept by the access module. */
export { scopeKindOf as scopeOf } from '../access/record-scope.js';

/**
 * What tax-department staff see of a household: its NHI members (with an eligibility period in this
 * household) and the current 世帯主 when in their scope (the taxpayer, 擬制世帯主 included); never its
 * other members. An empty set: the household is out of scope altogether.
 */
export function householdMembersInNhiScope(
  members: readonly { atenaNo: number; relationship: Relationship; current: boolean }[],
  nhiMembers: ReadonlySet<number>,
  headInScope: boolean,
): Set<number> {
  if (nhiMembers.size === 0) return new Set();
  return new Set(members.filter((m) => nhiMembers.has(m.atenaNo) || (headInScope && m.current && m.relationship === 'head')).map((m) => m.atenaNo));
}

export function formatAddress(a: { town_name: string | null; chome: number | null; banchi: string | null; katagaki: string | null }): string | null {
  if (!a.town_name) return null;
  const chome = a.chome ? `${a.chome}丁目` : '';
  return `${a.town_name}${chome}${a.banchi ? a.banchi : ''}${a.katagaki ? ` ${a.katagaki}` : ''}`;
}

/** 国保 today as a search row shows it: 加入中 (insured today), 喪失 (insured here before, not today), — (never). */
export const NHI_STATUSES = { insured: '加入中', lost: '喪失', none: '—' } as const;
export type NhiStatus = keyof typeof NHI_STATUSES;
export const NHI_STATUS_CODES = Object.keys(NHI_STATUSES) as [NhiStatus, ...NhiStatus[]];

/** From the search's lookup: insured today, and how many current periods began by today. */
export function nhiStatusOf(insured: boolean, periodsBegun: number): { insured: boolean; nhiStatus: NhiStatus; nhiStatusLabel: string } {
  const nhiStatus: NhiStatus = insured ? 'insured' : periodsBegun > 0 ? 'lost' : 'none';
  return { insured, nhiStatus, nhiStatusLabel: NHI_STATUSES[nhiStatus] };
}
