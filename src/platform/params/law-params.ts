import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { Decimal } from '../../lib/decimal.js';
import { formatWareki } from '../../lib/wareki.js';

/**
 * Dated law parameters (法令・条例で定まる値), read from config/law/*.yaml. One file per area or topic;
 * a parameter's key is `<file name>.<name>` (e.g. `eligibility.age_latter_elderly`). Each parameter is a
 * list of values, each with the date it takes effect (効力発生日), its legal reference, and a marker:
 * `verified` (the source checked and when) or `unverified` (why not). The value in force on a date is
 * the one with the latest `from` on or before it; none is an error, never a guess.
 *
 * Rates are exact decimals (quoted strings in YAML, `Decimal` here); money is integer yen.
 */

/** The fiscal years (年度) the code supports: every yearly parameter has an explicit value for each. */
export const SUPPORTED_FISCAL_YEARS = { from: 2022, to: 2026 } as const;

export const LAW_DIR = fileURLToPath(new URL('../../../config/law/', import.meta.url));

export const PARAM_TYPES = ['integer', 'yen', 'rate', 'text', 'month_day'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];
export type ParamValue = number | string | Decimal;

export type Check = { verified: { source: string; checkedOn: string; note?: string | undefined } } | { unverified: string; source?: string | undefined };

export interface ParamEntry {
  key: string;
  label: string;
  type: ParamType;
  unit: string | undefined;
  /** 効力発生日 (ISO date). */
  from: string;
  value: ParamValue;
  law: string;
  check: Check;
  note: string | undefined;
}

export interface ParamDef {
  key: string;
  file: string;
  label: string;
  type: ParamType;
  unit: string | undefined;
  /** `fiscal`: a value dated 4月1日 of every supported 年度; `calendar`: dated 1月1日 of every year. */
  yearly: 'fiscal' | 'calendar' | undefined;
  /** The first year the parameter exists (e.g. 子ども・子育て支援金分 from 2026); default the supported range's first. */
  firstYear: number | undefined;
  /**
   * The last year whose value is known (a city's figures read only for some years): a date after that
   * year is an error, never the last value carried over; the yearly check stops there.
   */
  lastYear: number | undefined;
  /** Sorted by `from`, no two on the same day. */
  values: readonly ParamEntry[];
}

export class ParamError extends Error {}

// ---- the file format ----

const isoDate = z
  .string({ error: 'YYYY-MM-DD 形式の日付で書いてください' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD 形式の日付で書いてください')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, '存在しない日付です');
const text = (what: string) => z.string({ error: `${what}を文字列で書いてください` }).trim().min(1, `${what}が空です`);

const VALUE_SCHEMAS: Record<ParamType, z.ZodType> = {
  integer: z.number({ error: '整数で書いてください' }).int('整数で書いてください'),
  yen: z.number({ error: '金額は0以上の整数(円)で書いてください' }).int('金額は0以上の整数(円)で書いてください').min(0, '金額は0以上の整数(円)で書いてください'),
  rate: z.string({ error: '率は引用符で囲んだ小数で書いてください(例: "0.0745")。浮動小数点は使いません' }).regex(Decimal.PATTERN, '率は引用符で囲んだ小数で書いてください(例: "0.0745")'),
  text: text('値'),
  month_day: z
    .string({ error: '月日は "MM-DD" の形式で書いてください(例: "12-29")' })
    .regex(/^\d{2}-\d{2}$/, '月日は "MM-DD" の形式で書いてください(例: "12-29")')
    .refine((s) => !Number.isNaN(new Date(`2024-${s}T00:00:00Z`).getTime()) && new Date(`2024-${s}T00:00:00Z`).toISOString().slice(5, 10) === s, '存在しない月日です'),
};

const ValueSchema = z
  .object({
    from: isoDate,
    value: z.unknown(),
    law: text('法令名・条項(law)'),
    verified: z.object({ source: text('確認した資料(source)'), checkedOn: isoDate, note: z.string().optional() }, { error: 'verified は source と checkedOn を書いてください' }).strict().optional(),
    unverified: text('未確認の理由(unverified)').optional(),
    source: z.string().optional(),
    note: z.string().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.verified === undefined) === (v.unverified === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['verified'], message: 'verified(確認した資料と確認日)か unverified(未確認の理由)のどちらか一方を書いてください' });
    }
  });

const ParamSchema = z
  .object({
    label: text('名称(label)'),
    type: z.enum(PARAM_TYPES, { error: `type は ${PARAM_TYPES.join(' / ')} のいずれかです` }),
    unit: z.string().optional(),
    yearly: z.enum(['fiscal', 'calendar'], { error: 'yearly は fiscal(年度) か calendar(暦年) です' }).optional(),
    firstYear: z.number().int().min(1900).max(2200).optional(),
    lastYear: z.number().int().min(1900).max(2200).optional(),
    values: z.array(ValueSchema, { error: 'values は値のリストです' }).min(1, '値が一つもありません'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const schema = VALUE_SCHEMAS[p.type];
    p.values.forEach((v, i) => {
      const r = schema.safeParse(v.value);
      if (!r.success) ctx.addIssue({ code: 'custom', path: ['values', i, 'value'], message: r.error.issues[0]!.message });
      if (i > 0 && v.from <= p.values[i - 1]!.from) {
        ctx.addIssue({ code: 'custom', path: ['values', i, 'from'], message: `効力発生日は古い順に、同じ日を重ねずに書いてください(前の値は ${p.values[i - 1]!.from})` });
      }
    });
  });

const FileSchema = z
  .object({
    title: text('表題(title)'),
    parameters: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'パラメータ名は小文字・数字・_ で書いてください'), ParamSchema, { error: 'parameters にパラメータを書いてください' }),
  })
  .strict();

function issuePath(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

function fileError(file: string, issues: readonly z.core.$ZodIssue[]): ParamError {
  const lines = issues.map((i) => {
    const where = issuePath(i.path) || '(ファイル全体)';
    const rule = i.code === 'unrecognized_keys' ? `不明な項目です: ${i.keys.join(', ')}` : i.message;
    return `${file}: ${where}: ${rule}`;
  });
  return new ParamError(`法令パラメータのファイルに誤りがあります\n${lines.join('\n')}`);
}

/**
 * Parse one file's text (exported for tests). `file` names it in messages; `area` (the key prefix)
 * defaults to the file's name without .yaml (`cities.<name>` for a file of config/law/cities/).
 */
export function parseParamFile(file: string, source: string, area: string = path.basename(file).replace(/\.ya?ml$/, '')): ParamDef[] {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (e) {
    throw new ParamError(`法令パラメータのファイルに誤りがあります\n${file}: YAML として読めません: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const r = FileSchema.safeParse(doc);
  if (!r.success) throw fileError(file, r.error.issues);
  return Object.entries(r.data.parameters).map(([name, p]) => {
    const key = `${area}.${name}`;
    return {
      key,
      file,
      label: p.label,
      type: p.type,
      unit: p.unit,
      yearly: p.yearly,
      firstYear: p.firstYear,
      lastYear: p.lastYear,
      values: p.values.map((v) => ({
        key,
        label: p.label,
        type: p.type,
        unit: p.unit,
        from: v.from,
        value: p.type === 'rate' ? Decimal.parse(v.value as string) : (v.value as number | string),
        law: v.law,
        check: v.verified ? { verified: v.verified } : { unverified: v.unverified!, source: v.source },
        note: v.note,
      })),
    };
  });
}

// ---- lookups ----

export class LawParams {
  readonly defs: ReadonlyMap<string, ParamDef>;

  constructor(defs: readonly ParamDef[]) {
    const map = new Map<string, ParamDef>();
    for (const d of defs) {
      const other = map.get(d.key);
      if (other) throw new ParamError(`法令パラメータ ${d.key} が二か所で定義されています(${other.file}, ${d.file})`);
      map.set(d.key, d);
    }
    this.defs = map;
  }

  def(key: string): ParamDef {
    const d = this.defs.get(key);
    if (!d) throw new ParamError(`法令パラメータ ${key} は定義されていません(config/law/*.yaml)`);
    return d;
  }

  /** Lookups already answered (key and date → value in force, or null): a batch asks the same ones for every household. */
  private readonly answered = new Map<string, Map<string, ParamEntry>>();

  private remembered(key: string, date: string): ParamEntry | undefined {
    return this.answered.get(key)?.get(date);
  }

  private remember(key: string, date: string, e: ParamEntry): ParamEntry {
    let m = this.answered.get(key);
    if (!m) this.answered.set(key, (m = new Map()));
    m.set(date, e);
    return e;
  }

  /** The value in force on `date` (ISO), with its reference and marker; an error when there is none. */
  entry(key: string, date: string): ParamEntry {
    return this.remembered(key, date) ?? this.remember(key, date, this.lookUp(key, date));
  }

  private lookUp(key: string, date: string): ParamEntry {
    const d = this.def(key);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ParamError(`法令パラメータ ${key}: 日付 ${date} は YYYY-MM-DD ではありません`);
    this.checkLastYear(d, date);
    let found: ParamEntry | undefined;
    for (const v of d.values) if (v.from <= date) found = v;
    if (!found) throw new ParamError(`法令パラメータ ${key}(${d.label}): ${formatWareki(date)} に効力のある値がありません(最初の値は ${formatWareki(d.values[0]!.from)} から)`);
    return found;
  }

  /** Like `entry`, but null when no value is in force yet (for a rule that did not exist before its first value). */
  find(key: string, date: string): ParamEntry | null {
    const hit = this.remembered(key, date);
    if (hit) return hit;
    const d = this.def(key);
    this.checkLastYear(d, date);
    const found = d.values.filter((v) => v.from <= date).at(-1) ?? null;
    return found ? this.remember(key, date, found) : null;
  }

  /** A date after the parameter's last known year is an error (the value is unknown, not unchanged). */
  private checkLastYear(d: ParamDef, date: string): void {
    if (d.lastYear === undefined) return;
    const year = d.yearly === 'calendar' ? Number(date.slice(0, 4)) : fiscalYearOf(date);
    if (year > d.lastYear) {
      throw new ParamError(`法令パラメータ ${d.key}(${d.label}): ${d.yearly === 'calendar' ? `${d.lastYear + 1}年` : `${d.lastYear + 1}年度`}以降の値は確認されていません(${d.file} の lastYear: ${d.lastYear})`);
    }
  }

  param(key: string, date: string): ParamValue {
    return this.entry(key, date).value;
  }

  private typed(key: string, date: string, types: readonly ParamType[]): ParamValue {
    const e = this.entry(key, date);
    if (!types.includes(e.type)) throw new ParamError(`法令パラメータ ${key} の型は ${e.type} です(${types.join(' / ')} として読もうとしました)`);
    return e.value;
  }

  integer(key: string, date: string): number {
    return this.typed(key, date, ['integer', 'yen']) as number;
  }

  yen(key: string, date: string): number {
    return this.typed(key, date, ['yen']) as number;
  }

  rate(key: string, date: string): Decimal {
    return this.typed(key, date, ['rate']) as Decimal;
  }

  text(key: string, date: string): string {
    return this.typed(key, date, ['text', 'month_day']) as string;
  }

  /** Every parameter's value in force on `date`, by key; parameters without one are left out. */
  inForce(date: string): ParamEntry[] {
    const out: ParamEntry[] = [];
    for (const key of [...this.defs.keys()].sort()) {
      const d = this.defs.get(key)!;
      const e = d.values.filter((v) => v.from <= date).at(-1);
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * Yearly parameters without an explicitly dated value (4月1日 of a fiscal year, 1月1日 of a calendar
   * year) for a year of the supported range — from the parameter's firstYear when it starts later.
   */
  missingYears(range: { from: number; to: number } = SUPPORTED_FISCAL_YEARS): { key: string; year: number; expected: string }[] {
    const missing: { key: string; year: number; expected: string }[] = [];
    for (const d of this.defs.values()) {
      if (!d.yearly) continue;
      const monthDay = d.yearly === 'fiscal' ? '04-01' : '01-01';
      for (let y = Math.max(range.from, d.firstYear ?? range.from); y <= Math.min(range.to, d.lastYear ?? range.to); y++) {
        const expected = `${y}-${monthDay}`;
        if (!d.values.some((v) => v.from === expected)) missing.push({ key: d.key, year: y, expected });
      }
    }
    return missing;
  }
}

/** The subfolder of other cities' 条例 figures: `cities/<romaji>.yaml`, keys `cities.<romaji>.<name>`. */
export const CITIES_DIR = 'cities';

const yamlFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];

/**
 * Read and check every *.yaml of a directory, and of its `cities/` subfolder (other cities' rates,
 * for what-if calculations and to keep the engine general; the configured city is city_tax.yaml).
 */
export function loadLawParams(dir: string = LAW_DIR): LawParams {
  const files = yamlFiles(dir);
  if (files.length === 0) throw new ParamError(`法令パラメータのファイルがありません: ${dir}`);
  const rel = (f: string) => path.relative(process.cwd(), path.join(dir, f)) || f;
  const cities = yamlFiles(path.join(dir, CITIES_DIR)).map((f) => path.join(CITIES_DIR, f));
  return new LawParams([
    ...files.flatMap((f) => parseParamFile(rel(f), readFileSync(path.join(dir, f), 'utf8'))),
    ...cities.flatMap((f) => parseParamFile(rel(f), readFileSync(path.join(dir, f), 'utf8'), `${CITIES_DIR}.${path.basename(f).replace(/\.ya?ml$/, '')}`)),
  ]);
}

let loaded: LawParams | undefined;

/** The parameters of config/law, read once per process. */
export function lawParams(): LawParams {
  loaded ??= loadLawParams();
  return loaded;
}

/** The value of `key` in force on `date` (ISO 'YYYY-MM-DD'). */
export function param(key: string, date: string): ParamValue {
  return lawParams().param(key, date);
}

/** The fiscal year (年度, April–March) of an ISO date. */
export function fiscalYearOf(date: string): number {
  const y = Number(date.slice(0, 4));
  return date.slice(5) >= '04-01' ? y : y - 1;
}
