import { addDays, lateElderlyBirthday } from '../eligibility/eligibility.rules.js';
import { lawParams } from '../../platform/params/law-params.js';
import type { CertificateKind } from './certificate-kinds.js';
import { elderlyFrom, isElderlyOn, type JudgementLine } from './copay-rate.rules.js';
import { firstOfMonth, judgementYearEnd } from './judgement-year.rules.js';

export interface ValidityInput {
  kind: CertificateKind;
  issuedOn: string;
  /** 申請日 (限度額適用認定証・特定疾病療養受療証: valid from the first of the application month). */
  applicationOn: string | null;
  birthDate: string;
}

export interface Validity {
  validFrom: string;
  /** 有効期限 (the last valid day); null: no expiry (資格情報のお知らせ under 70). */
  validTo: string | null;
  lines: JudgementLine[];
}


/**
 * 有効期間 of a certificate. Every one ends at the latest on the day before the 75th birthday (後期高齢者
 * 医療へ移行). 資格確認書: to the next 31 July (the city's cycle, a dated parameter), or the day before the
 * person becomes 高齢受給者 (a new one then states the 負担割合). 資格情報のお知らせ: no expiry under 70, to
 * 31 July from 70. 限度額適用認定証 and its 減額 variant: from the first of the application month to 31
 * July. 特定疾病療養受療証: from the first of the application month, no expiry before 75.
 */
export function validity(input: ValidityInput): Validity {
  const { kind, issuedOn, birthDate } = input;
  const lines: JudgementLine[] = [];
  const latter = lateElderlyBirthday(birthDate, issuedOn);
  const cap = (d: string | null): string | null => {
    if (!latter) return d;
    const eve = addDays(latter, -1);
    if (d === null || eve < d) {
      lines.push({ label: '75歳の誕生日の前日まで', detail: `後期高齢者医療の被保険者となる日(${latter})の前日`, reference: '国民健康保険法 第6条第8号、高齢者の医療の確保に関する法律 第50条' });
      return eve;
    }
    return d;
  };
  const yearEnd = (from: string) => {
    const e = judgementYearEnd(from);
    lines.push({ label: '有効期限', detail: `${e}(毎年の更新日の前日)`, reference: `${lawParams().entry('certificates.validity_end_month_day', from).law}(certificates.validity_end_month_day)` });
    return e;
  };

  switch (kind) {
    case 'qualification_certificate': {
      let to = yearEnd(issuedOn);
      const elderly = elderlyFrom(birthDate, issuedOn);
      if (!isElderlyOn(birthDate, issuedOn) && elderly <= to) {
        to = addDays(elderly, -1);
        lines.push({ label: '高齢受給者となる日の前日まで', detail: `${elderly}から負担割合を記載した資格確認書に切り替え`, reference: '国民健康保険法 第42条第1項第3号' });
      }
      return { validFrom: issuedOn, validTo: cap(to), lines };
    }
    case 'qualification_notice':
      return { validFrom: issuedOn, validTo: isElderlyOn(birthDate, issuedOn) ? cap(yearEnd(issuedOn)) : null, lines };
    case 'limit':
    case 'limit_reduced': {
      const from = firstOfMonth(input.applicationOn ?? issuedOn);
      lines.push({ label: '適用開始', detail: `申請月の初日(${from})`, reference: '国民健康保険法施行規則 第27条の14の2' });
      return { validFrom: from, validTo: cap(yearEnd(from)), lines };
    }
    case 'specific_disease': {
      const from = firstOfMonth(input.applicationOn ?? issuedOn);
      lines.push({ label: '適用開始', detail: `申請月の初日(${from})`, reference: '国民健康保険法施行規則 第27条の13' });
      return { validFrom: from, validTo: cap(null), lines };
    }
  }
}
