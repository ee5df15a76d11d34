import { fiscalYearLabel, formatWareki as w } from '../../lib/wareki.js';
import { JapanesePdf, mm } from '../../lib/pdf/japanese-pdf.js';
import { PART_KEYS, PART_LABELS, type Line, type TaxResult } from './tax.rules.js';
import type { Installment } from './installments.rules.js';
import { collectionLabel } from './special-collection.rules.js';

/**
 * The documents of 賦課 as the resident reads them, in BIZ UD ゴシック with 和暦 dates:
 * - `notice`: 納税通知書 (地方税法 第1条第1項第6号, 第703条の4) — the tax per part, the 軽減, the 期別 and 納期限;
 * - `change_notice`: 変更決定通知書 — the same with the previous amounts, the difference and the reason;
 * - `explanation`: 計算明細 — a what-if (試算) for the 窓口, not a decision.
 * Every document lists the calculation's steps (算式と根拠) so the figure can be checked by hand. No
 * address is printed when DV等支援措置 protects it (`taxpayer.address` null).
 */
export interface TaxDocument {
  kind: 'notice' | 'change_notice' | 'explanation';
  issuedOn: string;
  cityName: string;
  noticeNo: string | null;
  /** The 世帯番号 the household is known by in 国保: the registry's, or a 住所地特例 household's own 国保世帯番号. */
  householdNo?: number | null;
  taxpayer: { name: string; address: { postalCode: string; text: string } | null } | null;
  tax: TaxResult;
  installments: Installment[];
  /** 過納 after a decrease beyond the installments not yet due (refunded or applied by the collection area). */
  overpaid?: number;
  /** How the 期別 were made (算式と根拠), printed after the tax's steps. */
  installmentLines?: Line[];
  /** 変更決定通知書: what was charged before (the annual tax and the 期別), and why it changed. */
  previous?: { total: number; installments: Installment[]; reason: string };
}

const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
const TITLES = { notice: '国民健康保険税 納税通知書', change_notice: '国民健康保険税 変更決定通知書', explanation: '国民健康保険税 計算明細(試算)' } as const;

/** 教示 (行政不服審査法 第82条、行政事件訴訟法 第46条): how to contest a tax decision. */
const APPEAL =
  'この処分に不服があるときは、この通知を受けた日の翌日から起算して3か月以内に、市長に対して審査請求をすることができます。また、審査請求に対する裁決があったことを知った日から6か月以内に、市を被告として処分の取消しの訴えを提起することができます(行政不服審査法第2条・第18条、行政事件訴訟法第8条・第14条)。';

export async function taxDocumentPdf(d: TaxDocument): Promise<Buffer> {
  const title = `${fiscalYearLabel(d.tax.fiscalYear)} ${TITLES[d.kind]}`;
  const pdf = new JapanesePdf({ title });
  const left = mm(18);
  const width = mm(174);
  const bottom = mm(282);
  let y: number;

  if (d.taxpayer) {
    if (d.taxpayer.address) {
      pdf.text(`〒${d.taxpayer.address.postalCode.slice(0, 3)}-${d.taxpayer.address.postalCode.slice(3)}`, left, mm(16), { size: 10 });
      pdf.paragraph(d.taxpayer.address.text, left, mm(22), mm(90), { size: 11 });
    } else if (d.kind !== 'explanation') {
      pdf.text('(住所の印字を省略しています)', left, mm(22), { size: 9 });
    }
    pdf.text(`${d.taxpayer.name} 様`, left, mm(36), { size: 13 });
  }
  pdf.text(w(d.issuedOn), left, mm(16), { size: 10, align: 'right', width });
  pdf.text(`${d.cityName}長`, left, mm(22), { size: 10, align: 'right', width });
  if (d.noticeNo) pdf.text(`通知書番号 ${d.noticeNo}`, left, mm(28), { size: 9, align: 'right', width });
  if (d.householdNo) pdf.text(`世帯番号 ${d.householdNo}`, left, mm(32), { size: 9, align: 'right', width });

  pdf.text(title, left, mm(48), { size: 16, bold: true, align: 'center', width });
  const intro =
    d.kind === 'notice'
      ? `あなたの世帯の${fiscalYearLabel(d.tax.fiscalYear)}国民健康保険税を次のとおり決定しましたので、地方税法第703条の4及び${d.cityName}国民健康保険税条例により通知します。`
      : d.kind === 'change_notice'
        ? `あなたの世帯の${fiscalYearLabel(d.tax.fiscalYear)}国民健康保険税を次のとおり変更しましたので通知します。`
        : `入力された世帯の内容で${fiscalYearLabel(d.tax.fiscalYear)}の国民健康保険税を試算した結果です。実際の税額は、賦課期日(4月1日)の世帯と所得の申告により決まります。`;
  y = pdf.paragraph(intro, left, mm(58), width, { size: 10 }) + mm(3);

  // The tax per part.
  const parts = PART_KEYS.filter((k) => d.tax.parts[k]);
  const cols = [
    { label: '区分', w: 40 },
    { label: '所得割', w: 22 },
    { label: '均等割', w: 22 },
    { label: '平等割', w: 20 },
    { label: '軽減額', w: 22 },
    { label: '限度額', w: 22 },
    { label: '税額', w: 26 },
  ];
  const rowH = mm(7.5);
  const cell = (text: string, col: number, yy: number, opts: { bold?: boolean; right?: boolean } = {}) => {
    const x = left + mm(cols.slice(0, col).reduce((s, c) => s + c.w, 0));
    const cw = mm(cols[col]!.w);
    pdf.text(text, x + mm(1.5), yy + mm(2), { size: 9.5, ...(opts.bold ? { bold: true } : {}), ...(opts.right ? { align: 'right' as const, width: cw - mm(3) } : {}) });
  };
  const tableTop = y;
  cols.forEach((c, i) => cell(c.label, i, y, { bold: true }));
  y += rowH;
  for (const k of parts) {
    const p = d.tax.parts[k]!;
    pdf.line(left, y, left + width, y);
    cell(PART_LABELS[k], 0, y);
    cell(yen(p.incomeLevy + p.assetLevy), 1, y, { right: true });
    cell(yen(p.perCapita), 2, y, { right: true });
    cell(yen(p.perHousehold), 3, y, { right: true });
    cell(p.reductionAmount ? `−${yen(p.reductionAmount)}` : '0円', 4, y, { right: true });
    cell(yen(p.limit), 5, y, { right: true });
    cell(yen(p.amount), 6, y, { right: true, bold: true });
    y += rowH;
  }
  pdf.line(left, y, left + width, y, { lineWidth: 1 });
  cell('年税額', 0, y, { bold: true });
  cell(yen(d.tax.total), 6, y, { right: true, bold: true });
  y += rowH;
  pdf.rect(left, tableTop, width, y - tableTop);
  y += mm(2);
  y = pdf.paragraph(`軽減: ${d.tax.reduction === 'なし' ? '法定軽減の対象ではありません' : `法定軽減 ${d.tax.reduction}(均等割・平等割)`}。100円未満の端数は区分ごとに切り捨てています。`, left, y, width, { size: 9.5 }) + mm(2);

  if (d.previous) {
    const diff = d.tax.total - d.previous.total;
    const change = diff === 0 ? '税額は変わりません' : `${diff > 0 ? '増額' : '減額'} ${yen(Math.abs(diff))}`;
    y = pdf.paragraph(`変更前の年税額 ${yen(d.previous.total)} → 変更後 ${yen(d.tax.total)}(${change})。変更の理由: ${d.previous.reason}`, left, y, width, { size: 10, bold: true }) + mm(2);
  }

  const ensure = (need: number) => {
    if (y + need > bottom) {
      pdf.addPage();
      y = mm(18);
    }
  };

  // 期別 and 納期限: a 変更決定通知書 shows each 期 before and after the change; the others a grid.
  if (d.previous && d.kind === 'change_notice') {
    // What stops the 特別徴収: the change of the tax, or (the tax unchanged) the cause itself (口座振替への変更の申出 …).
    const stopCause = d.tax.total === d.previous.total ? '税額は変わりませんが、変更の理由のとおり徴収の方法が変わるため' : '税額の変更により';
    y = changedInstallmentsTable(pdf, d.previous.installments, d.installments, d.overpaid ?? 0, { left, width, ensure: (need) => (ensure(need), y) }, stopCause);
  } else if (d.installments.length > 0) {
    pdf.text(d.kind === 'explanation' ? '納め方(試算)' : '各期の税額と納期限', left, y, { size: 11, bold: true });
    y += mm(6.5);
    const perRow = 4;
    const cw = width / perRow;
    const special = d.installments.some((it) => it.kind === 'provisional' || it.kind === 'final');
    const boxH = special ? mm(14) : mm(11);
    d.installments.forEach((it, i) => {
      const cx = left + (i % perRow) * cw;
      const cy = y + Math.floor(i / perRow) * boxH;
      const isSpecial = it.kind === 'provisional' || it.kind === 'final';
      pdf.rect(cx, cy, cw, boxH, { lineWidth: 0.5 });
      if (special) {
        // 特別徴収 households: each box names how that installment is paid (年金から / 納付書・口座振替).
        pdf.text(`${it.label} ${collectionLabel(it)}`, cx + mm(1.5), cy + mm(1.5), { size: 8.5, bold: true });
        pdf.text(isSpecial ? `年金支払月(${w(it.dueDate ?? `${d.tax.fiscalYear}-04-15`).replace(/^令和/, 'R').replace(/\d+日$/, '')})` : it.dueDate ? `納期限 ${w(it.dueDate).replace(/^令和/, 'R')}` : '', cx + mm(1.5), cy + mm(5), { size: 8 });
        pdf.text(yen(it.amount), cx + mm(1.5), cy + mm(9), { size: 10.5, bold: true, align: 'right', width: cw - mm(3) });
      } else {
        pdf.text(`${it.label}${it.dueDate ? ` 納期限 ${w(it.dueDate).replace(/^令和/, 'R')}` : ''}`, cx + mm(1.5), cy + mm(1.5), { size: 8.5 });
        pdf.text(yen(it.amount), cx + mm(1.5), cy + mm(6), { size: 10.5, bold: true, align: 'right', width: cw - mm(3) });
      }
    });
    y += Math.ceil(d.installments.length / perRow) * boxH + mm(2);
    if (special && d.kind !== 'explanation') {
      y = pdf.paragraph('特別徴収(年金からの天引き)の額は、世帯主の年金の支払の際に差し引かれます(地方税法第706条第2項)。納付書で納める必要はありません。普通徴収の期は、納付書または口座振替で納期限までに納めてください。', left, y, width, { size: 9 }) + mm(1);
    }
    y += mm(2);
  }

  // How it was calculated: every step with its law.
  ensure(mm(14));
  pdf.text('計算の内訳(算式と根拠)', left, y, { size: 11, bold: true });
  y += mm(6.5);
  for (const l of [...d.tax.lines, ...(d.installmentLines ?? [])]) {
    ensure(mm(10));
    pdf.text(l.label, left, y, { size: 9, bold: true });
    pdf.text(l.unit === '人' ? `${l.amount}人` : l.unit === '—' ? '—' : yen(l.amount), left, y, { size: 9, align: 'right', width });
    y = pdf.paragraph(`${l.formula}  〔${l.reference}〕`, left + mm(4), y + mm(4.5), width - mm(4), { size: 8 }) + mm(1);
  }
  if (d.kind !== 'explanation') {
    ensure(mm(22));
    y += mm(2);
    pdf.text('不服申立てについて', left, y, { size: 10, bold: true });
    pdf.paragraph(APPEAL, left, y + mm(5.5), width, { size: 8.5 });
  }
  return pdf.toBuffer();
}

/**
 * The 期別 of a 変更決定通知書: 期別 / 納期限 (和暦) / 変更前 / 変更後 / 差額, every 期 of either list in
 * the order of their 納期限, the sums, and the 過納 when the 期 already due exceed the new annual tax.
 * Starts at the y `at.ensure` returns (a new page when the table would not fit); returns the y below it.
 */
function changedInstallmentsTable(
  pdf: JapanesePdf,
  before: readonly Installment[],
  after: readonly Installment[],
  overpaid: number,
  at: { left: number; width: number; ensure: (need: number) => number },
  stopCause = '税額の変更により',
): number {
  const { left, width } = at;
  const labels = [...new Map([...before, ...after].sort((a, b) => (a.dueDate ?? '').localeCompare(b.dueDate ?? '')).map((x) => [x.label, x])).values()];
  const rowH = mm(6.5);
  let y = at.ensure(mm(18) + rowH * (labels.length + 4)) + mm(1.5);
  pdf.text('各期の税額と納期限(変更前・変更後)', left, y, { size: 11, bold: true });
  y += mm(6.5);
  const special = [...before, ...after].some((x) => x.kind === 'provisional' || x.kind === 'final');
  const cols = special
    ? [
        { label: '期別', w: 16 },
        { label: '徴収方法', w: 34 },
        { label: '納期限・年金支払日', w: 40 },
        { label: '変更前', w: 28 },
        { label: '変更後', w: 28 },
        { label: '差額', w: 28 },
      ]
    : [
        { label: '期別', w: 26 },
        { label: '納期限', w: 52 },
        { label: '変更前', w: 32 },
        { label: '変更後', w: 32 },
        { label: '差額', w: 32 },
      ];
  const off = special ? 1 : 0; // the 徴収方法 column shifts the others
  const cell = (text: string, col: number, yy: number, opts: { bold?: boolean; right?: boolean } = {}) => {
    const x = left + mm(cols.slice(0, col).reduce((s, c) => s + c.w, 0));
    const cw = mm(cols[col]!.w);
    pdf.text(text, x + mm(1.5), yy + mm(1.6), { size: 9.5, ...(opts.bold ? { bold: true } : {}), ...(opts.right ? { align: 'right' as const, width: cw - mm(3) } : {}) });
  };
  const signed = (n: number) => (n === 0 ? '0円' : `${n > 0 ? '+' : '−'}${yen(Math.abs(n))}`);
  const top = y;
  cols.forEach((c, i) => cell(c.label, i, y, { bold: true, right: i >= 2 + off }));
  y += rowH;
  const amountOf = (xs: readonly Installment[], label: string) => xs.find((x) => x.label === label)?.amount;
  for (const it of labels) {
    const b = amountOf(before, it.label);
    const a = amountOf(after, it.label);
    pdf.line(left, y, left + width, y, { lineWidth: 0.5 });
    cell(it.label, 0, y);
    if (special) cell(collectionLabel(after.find((x) => x.label === it.label) ?? it), 1, y, { bold: after.find((x) => x.label === it.label)?.stopped === true });
    cell(it.dueDate ? w(it.dueDate) : '', 1 + off, y);
    cell(b === undefined ? '−' : yen(b), 2 + off, y, { right: true });
    cell(a === undefined ? '−' : yen(a), 3 + off, y, { right: true, bold: true });
    cell(signed((a ?? 0) - (b ?? 0)), 4 + off, y, { right: true });
    y += rowH;
  }
  const sumOf = (xs: readonly Installment[]) => xs.reduce((s, x) => s + x.amount, 0);
  pdf.line(left, y, left + width, y, { lineWidth: 1 });
  cell('合計', 0, y, { bold: true });
  cell(yen(sumOf(before)), 2 + off, y, { right: true, bold: true });
  cell(yen(sumOf(after)), 3 + off, y, { right: true, bold: true });
  cell(signed(sumOf(after) - sumOf(before)), 4 + off, y, { right: true, bold: true });
  y += rowH;
  if (overpaid > 0) {
    // Σ 期別 − 過納 = 年税額, shown as the resident can add it up.
    pdf.line(left, y, left + width, y, { lineWidth: 0.5 });
    cell('過納額', 0, y, { bold: true });
    cell('納め過ぎの額(還付・充当)', 1 + off, y);
    cell(`−${yen(overpaid)}`, 3 + off, y, { right: true, bold: true });
    y += rowH;
    pdf.line(left, y, left + width, y, { lineWidth: 0.5 });
    cell('変更後の年税額', 0, y, { bold: true });
    cell(yen(sumOf(after) - overpaid), 3 + off, y, { right: true, bold: true });
    y += rowH;
  }
  pdf.rect(left, top, width, y - top);
  y += mm(2);
  const occasional = after.some((a) => a.kind === 'occasional' && !before.some((b) => b.label === a.label));
  const note = occasional
    ? '納期限を過ぎた期の額は変えません。納期限の来ていない期がないため、増えた額は随時の納期限までに納めてください。'
    : '納期限を過ぎた期の額は変えず、納期限の来ていない期の額で調整しています(端数は変更後の最初の納期に合算)。';
  y = pdf.paragraph(note, left, y, width, { size: 9 }) + mm(1);
  const stopped = after.filter((a) => a.stopped && !before.some((b) => b.label === a.label && b.stopped));
  if (stopped.length > 0) {
    const firstOrdinary = after.find((a) => a.kind !== 'provisional' && a.kind !== 'final' && !before.some((b) => b.label === a.label && b.amount === a.amount) && a.amount > 0);
    y =
      pdf.paragraph(
        `特別徴収の中止: ${stopCause}、${stopped.map((x) => x.label).join('・')}の年金からの天引き(特別徴収)を中止します。それより前の特別徴収の額は変わりません。残りの額は普通徴収として${firstOrdinary ? `${firstOrdinary.label}から` : ''}納付書または口座振替で納めてください(地方税法第706条第2項・第718条の6)。`,
        left,
        y,
        width,
        { size: 10, bold: true },
      ) + mm(1);
  }
  if (overpaid > 0) {
    y = pdf.paragraph(`過納額 ${yen(overpaid)}: 納期限を過ぎた期の額が変更後の年税額を超えています。納付済みの分は還付し、または未納の税に充当します(地方税法第17条・第17条の2)。別にお知らせします。`, left, y, width, { size: 10, bold: true }) + mm(1);
  }
  return y + mm(3);
}
