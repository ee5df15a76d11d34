import { formatWareki as w } from '../../lib/wareki.js';
import { JapanesePdf, mm } from '../../lib/pdf/japanese-pdf.js';
import { CERTIFICATE_KINDS, DISEASES, type CertificateKind, type Disease } from './certificate-kinds.js';

/** What a printed certificate shows: the stored snapshot, the person's current address (or none: DV), the insurer. */
export interface PrintableCertificate {
  certificateId: number;
  kind: CertificateKind;
  insurerName: string;
  insurerNumber: string;
  insuredSymbol: string;
  insuredNumber: string;
  branchNo: string;
  name: string;
  nameKana: string;
  birthDate: string;
  sex: 'male' | 'female';
  acquiredOn: string;
  issuedOn: string;
  validFrom: string;
  validTo: string | null;
  /** 一部負担金の割合, printed for 高齢受給者 (70–74) only. */
  copayLabel: string | null;
  incomeClassLabel: string | null;
  disease: Disease | null;
  selfPayLimit: number | null;
  headName: string;
  /** Mailed to the 世帯主: the 宛先 block is printed. */
  mailed: boolean;
  /** null: the address is not printed (DV等支援措置 protects it). */
  address: { postalCode: string; text: string } | null;
}

const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
const sexLabel = (s: 'male' | 'female') => (s === 'male' ? '男' : '女');
const NOTES: Record<CertificateKind, string[]> = {
  qualification_certificate: [
    'この資格確認書は、マイナ保険証(健康保険証の利用登録をしたマイナンバーカード)をお持ちでないかたに、申請によらず交付しています。',
    '医療機関・薬局の窓口で提示してください。有効期限を過ぎたもの、国民健康保険の資格がなくなった後は使えません。',
    '国民健康保険の資格がなくなったとき(就職して職場の健康保険に加入したとき、市外へ転出したとき等)は、14日以内に届け出て、この資格確認書を返してください。',
  ],
  qualification_notice: [
    'このお知らせは、マイナ保険証をお持ちのかたに、国民健康保険の資格の情報をお知らせするものです。',
    'このお知らせだけでは受診できません。医療機関等でマイナ保険証による資格の確認ができなかったときに、マイナンバーカードと一緒に提示してください。',
    '記載の内容に変更があったときは、新しいお知らせをお送りします。',
  ],
  limit: [
    '医療機関・薬局の窓口で、資格確認書等と一緒に提示してください。1か月の窓口での支払が、適用区分に応じた自己負担限度額までとなります。',
    'マイナ保険証で受診するときは、この認定証がなくても限度額が適用されます。',
    '国民健康保険の資格がなくなったとき、有効期限を過ぎたときは、この認定証を返してください。',
  ],
  limit_reduced: [
    '医療機関・薬局の窓口で、資格確認書等と一緒に提示してください。自己負担限度額が適用され、入院時の食事代(標準負担額)が減額されます。',
    '過去12か月の入院日数が90日を超えたとき(長期入院該当)は、入院時の食事代がさらに減額されます。申請してください。',
    '国民健康保険の資格がなくなったとき、有効期限を過ぎたときは、この認定証を返してください。',
  ],
  specific_disease: [
    '医療機関・薬局の窓口で、資格確認書等と一緒に提示してください。認定された疾病の療養にかかる1か月の自己負担額が、医療機関ごと(入院・外来別)に自己負担限度額までとなります。',
    '国民健康保険の資格がなくなったときは、この受療証を返してください。',
  ],
};

/** The certificate as an A4 page: the 宛先 (mailed, address allowed), the card block, the notes. */
export async function certificatePdf(c: PrintableCertificate): Promise<Buffer> {
  const k = CERTIFICATE_KINDS[c.kind];
  const pdf = new JapanesePdf({ title: k.title, subject: `${k.label} ${c.insuredSymbol}-${c.insuredNumber}-${c.branchNo}` });
  const left = mm(20);
  const width = mm(170);

  // 宛先 (window envelope position) — only when mailed, and never a protected address.
  if (c.mailed) {
    if (c.address) {
      pdf.text(`〒${c.address.postalCode.slice(0, 3)}-${c.address.postalCode.slice(3)}`, left, mm(18), { size: 10 });
      pdf.paragraph(c.address.text, left, mm(24), mm(85), { size: 11 });
    } else {
      pdf.text('(住所の印字を省略しています)', left, mm(24), { size: 9 });
    }
    pdf.text(`${c.headName} 様`, left, mm(38), { size: 13 });
  }
  pdf.text(`${w(c.issuedOn)}`, left, mm(18), { size: 10, align: 'right', width });
  pdf.text(`${c.insurerName} 国民健康保険課`, left, mm(24), { size: 10, align: 'right', width });

  pdf.text(k.title, left, mm(52), { size: 17, bold: true, align: 'center', width });

  // The card block (cut out along the dashed line when used as a card).
  const top = mm(64);
  const rows: [string, string][] = [];
  if (c.validTo) rows.push(['有効期限', w(c.validTo)]);
  else if (c.kind === 'qualification_notice') rows.push(['有効期限', 'なし(70歳未満)']);
  if (c.kind === 'limit' || c.kind === 'limit_reduced') rows.push(['適用区分', c.incomeClassLabel ?? '']);
  if (c.kind === 'limit' || c.kind === 'limit_reduced' || c.kind === 'specific_disease') rows.push(['発効期日', w(c.validFrom)]);
  if (c.kind === 'specific_disease') {
    rows.push(['認定疾病名', c.disease ? DISEASES[c.disease] : '']);
    rows.push(['自己負担限度額', c.selfPayLimit ? `月額 ${yen(c.selfPayLimit)}` : '']);
  }
  rows.push(['記号・番号', `${c.insuredSymbol} − ${c.insuredNumber} (枝番 ${c.branchNo})`]);
  rows.push(['氏名', c.name]);
  rows.push(['フリガナ', c.nameKana]);
  rows.push(['生年月日・性別', `${w(c.birthDate)}  ${sexLabel(c.sex)}`]);
  if (c.kind === 'qualification_certificate' || c.kind === 'qualification_notice') {
    rows.push(['資格取得年月日', w(c.acquiredOn)]);
    rows.push(['一部負担金の割合', c.copayLabel ?? '―(70歳未満。義務教育就学前は2割、その他は3割)']);
  }
  rows.push(['世帯主氏名', c.headName]);
  rows.push(['住所', c.address ? c.address.text : '']);
  rows.push(['交付年月日', w(c.issuedOn)]);
  rows.push(['保険者番号', c.insurerNumber]);
  rows.push(['保険者名称', c.insurerName]);

  const rowH = mm(8.2);
  const labelW = mm(38);
  const blockH = rows.length * rowH + mm(4);
  pdf.rect(left - mm(3), top - mm(3), width + mm(6), blockH + mm(6), { dash: true, lineWidth: 0.6 });
  pdf.rect(left, top, width, blockH - mm(4), { lineWidth: 1 });
  rows.forEach(([label, value], i) => {
    const y = top + i * rowH;
    if (i > 0) pdf.line(left, y, left + width, y);
    pdf.text(label, left + mm(2), y + mm(2.2), { size: 9.5 });
    const big = label === '氏名' || label === '記号・番号' || label === '有効期限' || label === '適用区分' || label === '一部負担金の割合';
    pdf.text(value, left + labelW, y + mm(big ? 1.6 : 2.2), { size: big ? 12.5 : 10.5, bold: big });
  });
  pdf.line(left + labelW - mm(2), top, left + labelW - mm(2), top + rows.length * rowH);

  // Notes for the resident.
  let y = top + blockH + mm(10);
  pdf.text('ご注意', left, y, { size: 11, bold: true });
  y += mm(7);
  for (const n of NOTES[c.kind]) y = pdf.paragraph(`・${n}`, left, y, width, { size: 10, lineGap: 1 }) + mm(1.5);
  if (!c.address) pdf.paragraph('・住所は印字していません。必要なときはご自身で記入してください。', left, y, width, { size: 10 });

  pdf.text(`証番号 ${c.certificateId}  ・  ${k.basis}`, left, mm(280), { size: 8 });
  return pdf.toBuffer();
}
