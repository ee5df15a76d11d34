/**
 * 国保加入の経過 (the household page's timeline), pure: the time axis of the bars and the spans in which
 * the household had a 擬制世帯主 (members insured in this household while the 世帯主 was not).
 * Dates are YYYY-MM-DD; periods are half-open [acquiredOn, lostOn), lostOn null = still open.
 */

export interface Span {
  from: string;
  /** Exclusive; null = open (still so). */
  to: string | null;
}

export interface MemberPeriods {
  atenaNo: number;
  periods: (Span & { householdNo: number })[];
}

const periodSpans = (m: MemberPeriods, householdNo: number): Span[] =>
  m.periods.filter((p) => p.householdNo === householdNo).map((p) => ({ from: p.from, to: p.to }));

const covers = (spans: Span[], day: string) => spans.some((s) => s.from <= day && (s.to === null || s.to > day));

/**
 * The spans in which some member other than the head was insured in this household and the head was not
 * (擬制世帯主: the 世帯主 is the 納税義務者 without being insured). Adjacent spans are merged.
 */
export function pseudoHeadSpans(members: MemberPeriods[], headAtenaNo: number | null, householdNo: number): Span[] {
  if (headAtenaNo === null) return [];
  const head = members.find((m) => m.atenaNo === headAtenaNo);
  const headSpans = head ? periodSpans(head, householdNo) : [];
  const others = members.filter((m) => m.atenaNo !== headAtenaNo).map((m) => periodSpans(m, householdNo));
  const all = [...others.flat(), ...headSpans];
  const bounds = [...new Set(all.flatMap((s) => (s.to === null ? [s.from] : [s.from, s.to])))].sort();
  const out: Span[] = [];
  bounds.forEach((from, i) => {
    const to = bounds[i + 1] ?? null;
    if (!others.some((o) => covers(o, from)) || covers(headSpans, from)) return;
    const last = out.at(-1);
    if (last && last.to === from) last.to = to;
    else out.push({ from, to });
  });
  return out;
}

export interface Axis {
  /** 1 January of the first year shown. */
  start: string;
  /** 1 January after the last year shown (exclusive). */
  end: string;
  years: number[];
}

const days = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000;

/** Whole years from the earliest date to the later of today and the latest date. */
export function axisOf(dates: string[], today: string): Axis {
  const first = Number([...dates, today].sort()[0]!.slice(0, 4));
  const last = Number([...dates, today].sort().at(-1)!.slice(0, 4));
  const years = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  return { start: `${first}-01-01`, end: `${last + 1}-01-01`, years };
}

/** Where a date falls on the axis, 0..width (dates outside are clamped). */
export function xOf(axis: Axis, day: string, width: number): number {
  const t = (days(day) - days(axis.start)) / (days(axis.end) - days(axis.start));
  return Math.round(Math.min(1, Math.max(0, t)) * width * 10) / 10;
}

/** Every how many years a tick is labelled so that about `max` labels fit. */
export function tickStep(yearCount: number, max = 12): number {
  for (const step of [1, 2, 5, 10, 20, 50]) if (yearCount / step <= max) return step;
  return 100;
}
