import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { AppError } from '../../http/errors.js';
import { runUseCase, type RefusalRecord } from '../../platform/use-case.js';
import type { RecordScope } from '../access/record-scope.js';
import { PersonRepository } from './person.repository.js';
import { addressVisible, changeReasonLabel, nhiStatusOf, formatAddress, householdMembersInNhiScope, maskAddressFields, relationshipLabel, scopeOf, type ChangeReason } from './person.rules.js';
import { searchPersons, type SearchCriteria } from './person.search.js';
import { acquisitionReasonLabel, ageOn, lossReasonLabel, todayInJapan } from '../eligibility/eligibility.rules.js';
import { whoLabels } from '../access/who.js';

export interface Version {
  validFrom: string | null;
  changeReason: ChangeReason | null;
  changeReasonLabel: string | null;
  changedFields: string[];
  recordedAt: string;
  recordedBy: string;
}

type Row = Record<string, unknown>;

/** Versions of one row: superseded copies from <table>_history, then the live row. */
export function versionsOf(history: { row_data: unknown; changed_fields: string[] }[], live: Row | undefined): Version[] {
  const rows: Row[] = history.map((h) => h.row_data as Row);
  if (live) rows.push(live);
  return rows.map((r, i) => {
    const changeReason = (r.change_reason as ChangeReason | undefined) ?? null;
    return {
      validFrom: (r.valid_from as string | undefined) ?? null,
      changeReason,
      changeReasonLabel: changeReason === null ? null : changeReasonLabel(changeReason),
      changedFields: i === 0 ? [] : history[i - 1]!.changed_fields,
      recordedAt: new Date(r.updated_at as string | Date).toISOString(),
      recordedBy: String(r.updated_by),
    };
  });
}

/** Unknown and out of scope answer alike: same status, same code, same message. */
const personNotFound = (atenaNo: number) => new AppError(404, 'not_found', `宛名番号 ${atenaNo} の住民は登録されていません`);
const householdNotFound = (householdNo: number) => new AppError(404, 'not_found', `世帯番号 ${householdNo} の世帯は登録されていません`);

/** Use cases of 宛名・世帯 照会. Every read of personal data is audited in the same transaction. */
export class PersonService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  async search(actor: Actor, criteria: SearchCriteria, page: { page: number; pageSize: number }, correlationId: string) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'person.read', action: 'person.search', correlationId }, async ({ tx, scope: recordScope, subjects, detail }) => {
      const scope = recordScope.kind;
      const today = todayInJapan();
      const result = await searchPersons(tx, criteria, page, scope);
      const protectedAddresses = await new PersonRepository(tx).protectedAddressesAmong(result.items.map((r) => r.atena_no));
      const items = result.items.map((r) => ({
        atenaNo: r.atena_no,
        nameKanji: r.name_kanji,
        nameKana: r.name_kana,
        aliasKanji: r.alias_kanji,
        birthDate: r.birth_date,
        sex: r.sex,
        residentStatus: r.resident_status,
        householdNo: r.household_no,
        relationship: r.relationship,
        relationshipLabel: r.relationship === null ? null : relationshipLabel(r.relationship),
        address: addressVisible(actor, protectedAddresses.has(r.atena_no)) ? formatAddress(r) : null,
        ...nhiStatusOf(r.nhi_insured, r.nhi_periods),
        // 年齢 today in Japan; of a deceased person, at death.
        age: Math.max(0, ageOn(r.birth_date, r.death_date !== null && r.death_date < today ? r.death_date : today)),
        ageAtDeath: r.death_date !== null && r.death_date < today,
      }));
      subjects(items.map((i) => i.atenaNo));
      detail({ criteria: { ...criteria }, page: page.page, total: result.total, returned: items.length, scope, dvShown: result.items.filter((r) => r.dv_support).map((r) => r.atena_no).length, addressesHidden: items.filter((i) => protectedAddresses.has(i.atenaNo) && i.address === null).length });
      return { total: result.total, totalCapped: result.totalCapped, page: page.page, pageSize: page.pageSize, items };
    });
  }

  /** Out-of-scope and unknown are answered alike (same 404, same message) so a probe learns nothing; both are audited. */
  private async assertPersonInScope(scope: RecordScope, atenaNo: number) {
    if (!(await scope.allows(atenaNo))) throw personNotFound(atenaNo);
  }

  async person(actor: Actor, atenaNo: number, correlationId: string) {
    const refusal = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);
    return runUseCase(this.db, this.audit, actor, { functionCode: 'person.read', action: 'person.get', subjects: [atenaNo], correlationId, refusal }, async ({ tx, scope, detail }) => {
      const repo = new PersonRepository(tx);
      const p = await repo.getPerson(atenaNo);
      if (!p) throw personNotFound(atenaNo);
      await this.assertPersonInScope(scope, atenaNo);
      const addressProtected = (await repo.protectedAddressesAmong([atenaNo])).has(atenaNo);
      const visible = addressVisible(actor, addressProtected);
      const history = await repo.personVersions(atenaNo);
      const versions = versionsOf(history, p as unknown as Row).map((v) => (visible ? v : { ...v, changedFields: maskAddressFields(v.changedFields) }));
      const who = await whoLabels(tx, versions.map((v) => v.recordedBy));
      const result = {
        atenaNo: p.atena_no,
        nameKanji: p.name_kanji,
        nameKana: p.name_kana,
        aliasKanji: p.alias_kanji,
        aliasKana: p.alias_kana,
        realName: p.real_name,
        birthDate: p.birth_date,
        sex: p.sex,
        residentKind: p.resident_kind,
        residentStatus: p.resident_status,
        address: visible ? formatAddress(p) : null,
        previousAddress: visible ? p.previous_address : null,
        movedOutTo: visible ? p.moved_out_to : null,
        addressHidden: !visible,
        dvSupport: p.dv_support,
        householdNo: p.household_no ?? null,
        relationship: p.relationship ?? null,
        relationshipLabel: p.relationship ? relationshipLabel(p.relationship) : null,
        deathDate: p.death_date,
        versions: versions.map((v) => ({ ...v, recordedByLabel: who(v.recordedBy) })),
        hasMyNumber: await repo.hasMyNumber(atenaNo),
      };
      detail({ fields: Object.keys(result).filter((k) => k !== 'versions'), dvSupport: p.dv_support, addressProtected, addressShown: visible });
      return result;
    });
  }

  async household(actor: Actor, householdNo: number, correlationId: string) {
    const refusal = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);
    return runUseCase(this.db, this.audit, actor, { functionCode: 'person.read', action: 'household.get', subjects: [], detail: { householdNo }, correlationId, refusal }, async ({ tx, scope, subjects, detail }) => {
      const repo = new PersonRepository(tx);
      const h = await repo.getHousehold(householdNo);
      if (!h) throw householdNotFound(householdNo);
      const allRows = await repo.householdMembers(householdNo);
      const head = allRows.find((r) => r.valid_to === null && r.relationship === 'head');
      const allAtenaNos = [...new Set(allRows.map((r) => r.atena_no))];
      const elig = await repo.eligibilityOf(allAtenaNos);
      // Tax-department staff see an NHI household only, and of it only its NHI members and the
      // 世帯主 as taxpayer (擬制世帯主 included); anything else answers as an unknown household.
      let shown: ReadonlySet<number> = new Set(allAtenaNos);
      if (scopeOf(actor) === 'nhi_file') {
        const nhiMembers = new Set(elig.filter((e) => e.household_no === householdNo).map((e) => e.atena_no));
        const headInScope = head ? await scope.allows(head.atena_no) : false;
        shown = householdMembersInNhiScope(allRows.map((r) => ({ atenaNo: r.atena_no, relationship: r.relationship, current: r.valid_to === null })), nhiMembers, headInScope);
        if (shown.size === 0) throw householdNotFound(householdNo);
      }
      const rows = allRows.filter((r) => shown.has(r.atena_no));
      const atenaNos = [...new Set(rows.map((r) => r.atena_no))];
      // Insured = a current version in force today ([acquired_on, lost_on) contains it); else the latest period shown.
      const today = todayInJapan();
      const inForce = (e: (typeof elig)[number]) => e.acquired_on <= today && (e.lost_on === null || e.lost_on > today);
      const current = (n: number) => elig.find((e) => e.atena_no === n && e.household_no === householdNo && inForce(e)) ?? elig.find((e) => e.atena_no === n);
      const members = rows.map((r) => {
        const e = current(r.atena_no);
        return {
          atenaNo: r.atena_no,
          nameKanji: r.name_kanji,
          nameKana: r.name_kana,
          aliasKanji: r.alias_kanji,
          birthDate: r.birth_date,
          sex: r.sex,
          relationship: r.relationship,
          relationshipLabel: relationshipLabel(r.relationship),
          validFrom: r.valid_from,
          validTo: r.valid_to,
          residentStatus: r.resident_status,
          nhi: e
            ? { insured: inForce(e), symbol: e.insured_symbol, number: e.insured_number, branchNo: e.branch_no, acquiredOn: e.acquired_on, lostOn: e.lost_on }
            : null,
          // 国保加入の経過: every current version of the member's periods (in this household or another), oldest first.
          periods: elig
            .filter((x) => x.atena_no === r.atena_no)
            .sort((a, b) => (a.acquired_on < b.acquired_on ? -1 : a.acquired_on > b.acquired_on ? 1 : 0))
            .map((x) => ({
              eligibilityId: Number(x.eligibility_id),
              householdNo: Number(x.household_no),
              acquiredOn: x.acquired_on,
              acquisitionReason: x.acquisition_reason,
              acquisitionReasonLabel: acquisitionReasonLabel(x.acquisition_reason),
              lostOn: x.lost_on,
              lossReason: x.loss_reason,
              lossReasonLabel: x.loss_reason === null ? null : lossReasonLabel(x.loss_reason),
              retroactive: x.acquisition_retroactive || x.loss_retroactive,
              insuredToday: inForce(x),
            })),
        };
      });
      const currentMembers = members.filter((m) => m.validTo === null);
      const anyInsured = currentMembers.some((m) => m.nhi?.insured);
      const headShown = head && shown.has(head.atena_no) ? head : undefined;
      const headInsured = headShown ? !!currentMembers.find((m) => m.atenaNo === headShown.atena_no)?.nhi?.insured : false;
      // The household's address is its head's; DV等支援措置 protects it when any current member's
      // address is protected (a flagged member, or a flagged person at the same address).
      const currentAtenaNos = allRows.filter((r) => r.valid_to === null).map((r) => r.atena_no);
      const protectedAddresses = await repo.protectedAddressesAmong(currentAtenaNos);
      const addressProtected = currentAtenaNos.some((n) => protectedAddresses.has(n));
      const showAddress = addressVisible(actor, addressProtected);
      const addressShown = headShown && showAddress ? formatAddress(headShown) : null;
      const hist = await repo.householdHistory(householdNo, atenaNos, rows.map((r) => r.member_id));
      // Each history row is the version a change replaced; the change itself brought the next version
      // (the next history row of the same key, or the live row), whose 異動日/異動事由 the entry shows.
      type Live = { valid_from: string; change_reason: ChangeReason };
      const livePerson = new Map(rows.map((r) => [String(r.atena_no), { valid_from: r.person_valid_from, change_reason: r.person_change_reason }]));
      const liveMember = new Map(rows.map((r) => [String(r.member_id), { valid_from: r.valid_from, change_reason: r.change_reason }]));
      const liveHousehold = new Map([[String(householdNo), { valid_from: h.valid_from, change_reason: h.change_reason }]]);
      const entries = (table: 'person' | 'household_member' | 'household', list: typeof hist.person, live: Map<string, Live>) => {
        const byKey = new Map<string, typeof list>();
        for (const x of list) byKey.set(x.row_key, [...(byKey.get(x.row_key) ?? []), x]);
        return [...byKey.entries()].flatMap(([key, xs]) => {
          const sorted = [...xs].sort((a, b) => new Date(a.superseded_at).getTime() - new Date(b.superseded_at).getTime());
          return sorted.map((x, i) => {
            const next = (sorted[i + 1]?.row_data as Live | undefined) ?? live.get(key);
            return {
              at: new Date(x.superseded_at).toISOString(),
              by: x.superseded_by,
              atenaNo: table === 'person' ? Number(key) : table === 'household_member' ? Number((x.row_data as Row).atena_no) : null,
              table,
              changedFields: showAddress ? x.changed_fields : maskAddressFields(x.changed_fields),
              validFrom: next?.valid_from ?? null,
              changeReason: next?.change_reason ?? null,
              changeReasonLabel: next ? changeReasonLabel(next.change_reason) : null,
            };
          });
        });
      };
      const history = [...entries('person', hist.person, livePerson), ...entries('household_member', hist.members, liveMember), ...entries('household', hist.household, liveHousehold)]
        .sort((a, b) => (a.at < b.at ? 1 : -1));
      const who = await whoLabels(tx, history.map((x) => x.by));
      const result = {
        householdNo,
        formedOn: h.formed_on,
        dissolvedOn: h.dissolved_on,
        address: addressShown,
        addressHidden: !!headShown && !showAddress,
        headAtenaNo: headShown?.atena_no ?? null,
        isPseudoHead: anyInsured && !headInsured,
        members,
        history: history.map((x) => ({ ...x, byLabel: who(x.by) })),
      };
      subjects(atenaNos);
      detail({ householdNo, members: members.length, membersOutOfScope: allAtenaNos.length - atenaNos.length, dvSupport: allRows.some((r) => r.dv_support), addressProtected, addressShown: addressShown !== null });
      return result;
    });
  }
}
