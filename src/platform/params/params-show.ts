import { Decimal } from '../../lib/decimal.js';
import { formatWareki } from '../../lib/wareki.js';
import type { LawParams, ParamEntry } from './law-params.js';

/** A value as a clerk reads it: 670,000円, 7.45%, 75歳, 12月29日. */
export function formatParamValue(e: Pick<ParamEntry, 'type' | 'unit' | 'value'>): string {
  if (e.value instanceof Decimal) return e.value.toPercent();
  if (e.type === 'yen') return `${(e.value as number).toLocaleString('ja-JP')}円`;
  if (e.type === 'month_day') {
    const [m, d] = String(e.value).split('-').map(Number);
    return `${m}月${d}日`;
  }
  return `${String(e.value)}${e.unit ?? ''}`;
}

export function formatCheck(e: Pick<ParamEntry, 'check'>): string {
  if ('verified' in e.check) return `確認済: ${formatWareki(e.check.verified.checkedOn)} ${e.check.verified.source}${e.check.verified.note ? `(${e.check.verified.note})` : ''}`;
  return `未確認: ${e.check.unverified}${e.check.source ? ` ${e.check.source}` : ''}`;
}

/** `params show`: every value in force on `date`, one block per parameter, dates in 和暦. */
export function paramsShowText(params: LawParams, date: string): string {
  const lines = [`法令パラメータ ${formatWareki(date)} 現在`, ''];
  for (const key of [...params.defs.keys()].sort()) {
    const d = params.defs.get(key)!;
    const e = d.values.filter((v) => v.from <= date).at(-1);
    lines.push(`${key}  ${d.label}`);
    if (!e) {
      lines.push(`  この日に効力のある値はありません(最初の値は ${formatWareki(d.values[0]!.from)} から)`, '');
      continue;
    }
    lines.push(`  値: ${formatParamValue(e)}  (${formatWareki(e.from)} から)`);
    lines.push(`  根拠: ${e.law}`);
    lines.push(`  ${formatCheck(e)}`);
    if (e.note) lines.push(`  注: ${e.note}`);
    lines.push('');
  }
  const all = params.inForce(date);
  const unverified = all.filter((e) => 'unverified' in e.check).length;
  lines.push(`${all.length} 件(うち未確認 ${unverified} 件)`);
  return lines.join('\n');
}
