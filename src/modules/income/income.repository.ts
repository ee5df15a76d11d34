import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { DB, IncomeReturnTable } from '../../db/schema.js';
import { columnsToFacts, currentIncomeRows, currentResidentTax, factsToColumns, sameFacts, type IncomeFacts, type IncomeSource } from './income.rules.js';

export type IncomeReturnRow = Selectable<IncomeReturnTable>;

/** A version to write (it becomes current when it differs from the current one). */
export interface NewVersion {
  atenaNo: number;
  fiscalYear: number;
  facts: IncomeFacts;
  source: IncomeSource;
  sourceSha256?: string | null;
  sourceLine?: number | null;
  jobRunId?: string | null;
  declaredOn?: string | null;
  note?: string | null;
}

export interface WriteResult {
  /** The versions written, in input order. */
  written: { returnId: number; atenaNo: number; fiscalYear: number; version: number }[];
  /** Items equal to the current version, from the same source (nothing written). */
  unchanged: number;
  /** File lines already taken (same SHA-256 and line): nothing written. */
  alreadyTaken: number;
  /** Reassessment requests queued (household and 年度). */
  requests: { householdNo: number; fiscalYear: number; atenaNo: number }[];
}

const key = (atenaNo: number, fiscalYear: number) => `${atenaNo}/${fiscalYear}`;

/** The 年度 n as days: [n-04-01, (n+1)-04-01). */
export const fiscalYearWindow = (fy: number) => ({ start: `${fy}-04-01`, end: `${fy + 1}-04-01` });
const overlaps = (from: string, to: string | null, w: { start: string; end: string }) => from < w.end && (to === null || to > w.start);

/**
 * income_return and the current view (income, resident_tax_status) and the reassessment queue: the only
 * Kysely code of the income area. Runs inside the caller's transaction.
 */
export class IncomeRepository {
  constructor(private readonly db: Kysely<DB> | Transaction<DB>) {}

  /** The current versions of these persons (all 年度, or one). */
  async current(atenaNos: readonly number[], fiscalYear?: number): Promise<Map<string, IncomeReturnRow>> {
    const out = new Map<string, IncomeReturnRow>();
    if (atenaNos.length === 0) return out;
    let q = this.db.selectFrom('income_return').selectAll().where('atena_no', 'in', atenaNos).where('superseded_at', 'is', null);
    if (fiscalYear !== undefined) q = q.where('fiscal_year', '=', fiscalYear);
    for (const r of await q.execute()) out.set(key(Number(r.atena_no), r.fiscal_year), r);
    return out;
  }

  /** Every version of a person, newest 年度 first, newest version first. */
  versionsOf(atenaNo: number): Promise<IncomeReturnRow[]> {
    return this.db.selectFrom('income_return').selectAll().where('atena_no', '=', atenaNo).orderBy('fiscal_year', 'desc').orderBy('version', 'desc').execute();
  }

  /** Which of these 宛名番号 exist. */
  async existingPersons(atenaNos: readonly number[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (let i = 0; i < atenaNos.length; i += 10_000) {
      const part = atenaNos.slice(i, i + 10_000);
      for (const r of await this.db.selectFrom('person').select('atena_no').where('atena_no', 'in', part).execute()) out.add(Number(r.atena_no));
    }
    return out;
  }

  /**
   * Write versions: each item that differs from its person's current version of the 年度 supersedes it
   * (same instant) and becomes current; the person's `income` rows of the 年度 are rewritten from it,
   * `resident_tax_status` upserted, and every NHI household the person belonged to in the 年度 queued for
   * reassessment. An item equal to the current version, or a file line already taken, writes nothing.
   * At most one item per person and 年度.
   */
  async writeVersions(items: readonly NewVersion[], by: string): Promise<WriteResult> {
    const result: WriteResult = { written: [], unchanged: 0, alreadyTaken: 0, requests: [] };
    if (items.length === 0) return result;
    const atenas = [...new Set(items.map((i) => i.atenaNo))];
    const current = await this.current(atenas);
    const taken = new Set<string>();
    const shas = [...new Set(items.map((i) => i.sourceSha256).filter((s): s is string => !!s))];
    for (const sha of shas) {
      const lines = items.filter((i) => i.sourceSha256 === sha).map((i) => i.sourceLine!);
      const rows = await this.db.selectFrom('income_return').select('source_line').where('source_sha256', '=', sha).where('source_line', 'in', lines).execute();
      for (const r of rows) taken.add(`${sha}:${r.source_line}`);
    }
    const changed: { item: NewVersion; old: IncomeReturnRow | undefined }[] = [];
    for (const item of items) {
      if (item.sourceSha256 && taken.has(`${item.sourceSha256}:${item.sourceLine}`)) {
        result.alreadyTaken++;
        continue;
      }
      const old = current.get(key(item.atenaNo, item.fiscalYear));
      if (old && old.source === item.source && sameFacts(columnsToFacts(old), item.facts)) {
        result.unchanged++;
        continue;
      }
      changed.push({ item, old });
    }
    if (changed.length === 0) return result;

    const now = (await sql<{ t: Date }>`SELECT clock_timestamp() AS t`.execute(this.db)).rows[0]!.t;
    const superseded = changed.flatMap((c) => (c.old ? [Number(c.old.return_id)] : []));
    if (superseded.length > 0) await this.db.updateTable('income_return').set({ superseded_at: now }).where('return_id', 'in', superseded).execute();
    const inserted = await this.db
      .insertInto('income_return')
      .values(
        changed.map(({ item, old }) => ({
          atena_no: item.atenaNo,
          fiscal_year: item.fiscalYear,
          version: (old?.version ?? 0) + 1,
          source: item.source,
          ...factsToColumns(item.facts),
          source_sha256: item.sourceSha256 ?? null,
          source_line: item.sourceLine ?? null,
          job_run_id: item.jobRunId ?? null,
          declared_on: item.declaredOn ?? null,
          note: item.note ?? null,
          recorded_at: now,
          recorded_by: by,
        })),
      )
      .returning(['return_id', 'atena_no', 'fiscal_year', 'version'])
      .execute();
    result.written = inserted.map((r) => ({ returnId: Number(r.return_id), atenaNo: Number(r.atena_no), fiscalYear: r.fiscal_year, version: r.version }));

    // The current view: income rows and the 住民税 record of each person and 年度 written.
    const byYear = new Map<number, number[]>();
    for (const { item } of changed) byYear.set(item.fiscalYear, [...(byYear.get(item.fiscalYear) ?? []), item.atenaNo]);
    for (const [fy, ids] of byYear) await this.db.deleteFrom('income').where('fiscal_year', '=', fy).where('atena_no', 'in', ids).execute();
    const incomeRows = changed.flatMap(({ item }) =>
      currentIncomeRows(item.facts).map((r) => ({ atena_no: item.atenaNo, fiscal_year: item.fiscalYear, income_type: r.type, revenue_yen: r.revenue, income_yen: r.income, updated_by: by })),
    );
    if (incomeRows.length > 0) await this.db.insertInto('income').values(incomeRows).execute();
    await this.db
      .insertInto('resident_tax_status')
      .values(
        changed.map(({ item }) => {
          const t = currentResidentTax(item.facts);
          return { atena_no: item.atenaNo, fiscal_year: item.fiscalYear, taxable_standard_yen: t.taxableStandard, exempt: t.exempt, unreported: t.unreported, updated_by: by };
        }),
      )
      .onConflict((oc) =>
        oc.columns(['atena_no', 'fiscal_year']).doUpdateSet((eb) => ({
          taxable_standard_yen: eb.ref('excluded.taxable_standard_yen'),
          exempt: eb.ref('excluded.exempt'),
          unreported: eb.ref('excluded.unreported'),
          updated_by: eb.ref('excluded.updated_by'),
          updated_at: now,
        })),
      )
      .execute();

    // Queue the households whose 賦課 reads this income.
    const households = await this.nhiHouseholdsOf(result.written.map((w) => ({ atenaNo: w.atenaNo, fiscalYear: w.fiscalYear })));
    const requests = result.written.flatMap((w) =>
      (households.get(key(w.atenaNo, w.fiscalYear)) ?? []).map((h) => ({ household_no: h, fiscal_year: w.fiscalYear, reason: 'income_changed' as const, atena_no: w.atenaNo, source_ref: `income_return:${w.returnId}`, requested_at: now, requested_by: by })),
    );
    if (requests.length > 0) await this.db.insertInto('reassessment_request').values(requests).onConflict((oc) => oc.doNothing()).execute();
    result.requests = requests.map((r) => ({ householdNo: r.household_no, fiscalYear: r.fiscal_year, atenaNo: r.atena_no }));
    return result;
  }

  /**
   * The households whose 国民健康保険税 of the 年度 may read a person's income of that 年度: every
   * registry household the person belonged to during the 年度 in which someone was insured (the person
   * insured, 世帯主 or 擬制世帯主, or 特定同一世帯所属者 — the assessment decides), and the household of
   * each of the person's own 資格 periods in the 年度 (住所地特例 included). Keyed `atena/年度`.
   */
  async nhiHouseholdsOf(pairs: readonly { atenaNo: number; fiscalYear: number }[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (pairs.length === 0) return out;
    const atenas = [...new Set(pairs.map((p) => p.atenaNo))];
    const members = await this.db.selectFrom('household_member').select(['household_no', 'atena_no', 'valid_from', 'valid_to']).where('atena_no', 'in', atenas).execute();
    const householdNos = [...new Set(members.map((m) => Number(m.household_no)))];
    const periods = await this.db
      .selectFrom('nhi_eligibility')
      .select(['atena_no', 'household_no', 'acquired_on', 'lost_on'])
      .where('superseded_at', 'is', null)
      .where((eb) => (householdNos.length > 0 ? eb.or([eb('household_no', 'in', householdNos), eb('atena_no', 'in', atenas)]) : eb('atena_no', 'in', atenas)))
      .execute();
    for (const p of pairs) {
      const w = fiscalYearWindow(p.fiscalYear);
      const found = new Set<number>();
      for (const m of members) {
        if (Number(m.atena_no) !== p.atenaNo || !overlaps(m.valid_from, m.valid_to, w)) continue;
        const h = Number(m.household_no);
        if (periods.some((e) => Number(e.household_no) === h && overlaps(e.acquired_on, e.lost_on, w))) found.add(h);
      }
      for (const e of periods) if (Number(e.atena_no) === p.atenaNo && overlaps(e.acquired_on, e.lost_on, w)) found.add(Number(e.household_no));
      out.set(key(p.atenaNo, p.fiscalYear), [...found].sort((a, b) => a - b));
    }
    return out;
  }

  /**
   * Whether the person may file a 簡易申告 for the 年度: insured on some day of it, or 世帯主 (擬制世帯主)
   * of a household with an insured member then.
   */
  async mayDeclare(atenaNo: number, fiscalYear: number): Promise<boolean> {
    const w = fiscalYearWindow(fiscalYear);
    const own = await this.db
      .selectFrom('nhi_eligibility')
      .select('eligibility_id')
      .where('atena_no', '=', atenaNo)
      .where('superseded_at', 'is', null)
      .where('acquired_on', '<', w.end)
      .where((eb) => eb.or([eb('lost_on', 'is', null), eb('lost_on', '>', w.start)]))
      .executeTakeFirst();
    if (own) return true;
    const head = await this.db
      .selectFrom('household_member as hm')
      .innerJoin('nhi_eligibility as e', 'e.household_no', 'hm.household_no')
      .select('hm.household_no')
      .where('hm.atena_no', '=', atenaNo)
      .where('hm.relationship', '=', 'head')
      .where('hm.valid_from', '<', w.end)
      .where((eb) => eb.or([eb('hm.valid_to', 'is', null), eb('hm.valid_to', '>', w.start)]))
      .where('e.superseded_at', 'is', null)
      .where('e.acquired_on', '<', w.end)
      .where((eb) => eb.or([eb('e.lost_on', 'is', null), eb('e.lost_on', '>', w.start)]))
      .executeTakeFirst();
    return !!head;
  }

  /** Pending reassessment requests (oldest first), for the assessment batch and the tests. */
  pendingRequests(fiscalYear?: number) {
    let q = this.db.selectFrom('reassessment_request').selectAll().where('done_at', 'is', null);
    if (fiscalYear !== undefined) q = q.where('fiscal_year', '=', fiscalYear);
    return q.orderBy('request_id').execute();
  }
}
