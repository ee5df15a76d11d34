import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { runBatch, type BatchJob, type RunSummary } from '../../platform/batch/batch-runner.js';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { AppError, type FieldError } from '../../http/errors.js';
import { runUseCase, type RefusalRecord, type Tx } from '../../platform/use-case.js';
import { lawParams } from '../../platform/params/law-params.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';
import { PersonRepository } from '../person/person.repository.js';
import { formatAddress } from '../person/person.rules.js';
import { NhiHouseholdRepository } from '../eligibility/nhi-household.repository.js';
import { nhiHouseholdOn } from '../eligibility/nhi-household.rules.js';
import { ageOn, errorsMessage } from '../eligibility/eligibility.rules.js';
import {
  CERTIFICATE_KINDS,
  ISSUE_METHODS,
  ISSUE_REASONS,
  RECOVERY_METHODS,
  RECOVERY_REASONS,
  DISEASES,
  type CertificateKind,
  type Disease,
  type IssueMethod,
  type IssueReason,
  type RecoveryMethod,
  type RecoveryReason,
} from './certificate-kinds.js';
import { CertificatesRepository, type CertificateRow } from './certificates.repository.js';
import { judgeHousehold, type HouseholdJudgement, type HouseholdPerson } from './household-judgement.rules.js';
import { INCOME_CLASSES } from './income-class.rules.js';
import { incomeFiscalYear } from './judgement-year.rules.js';
import { validity } from './validity.rules.js';
import { certificatePdf } from './certificate-pdf.js';
import { isElderlyOn, type JudgementLine } from './copay-rate.rules.js';

export interface IssueRequest {
  kind: CertificateKind;
  issuedOn: string;
  reason: IssueReason;
  method: IssueMethod;
  applicationOn: string | null;
  disease: Disease | null;
  /** 基準収入額適用の申請 (高齢受給者の収入による再判定). */
  revenueTestApplied: boolean;
  /** 国保税の滞納: stated by the clerk from the 収納 records until the collection area lands. */
  inArrears: boolean;
  /** How the certificate this one replaces came back (its 回収). */
  previousRecoveryMethod: RecoveryMethod;
}

export interface RecoverRequest {
  recoveredOn: string;
  reason: RecoveryReason;
  method: RecoveryMethod;
  note: string | null;
}

const PERSON_COLUMNS = ['atena_no', 'name_kanji', 'name_kana', 'alias_kanji', 'alias_kana', 'birth_date', 'dv_support'] as const;
interface IssuePerson {
  atena_no: number | string;
  name_kanji: string;
  name_kana: string;
  alias_kanji: string | null;
  alias_kana: string | null;
  birth_date: string;
  dv_support: boolean;
}
const notFoundPerson = (n: number) => new AppError(404, 'not_found', `宛名番号 ${n} の住民は登録されていません`);
const notFoundCertificate = (n: number) => new AppError(404, 'not_found', `証番号 ${n} の証は登録されていません`);
const fieldError = (field: string, label: string, message: string): FieldError => ({ field, label, message });
const rule = (errors: FieldError[]) => {
  if (errors.length > 0) throw new AppError(422, 'rule_violation', errorsMessage(errors), errors);
};
const refusal404 = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);

/** A certificate as the screens show it: the stored row with its labels. */
export function certificateView(c: CertificateRow, today: string) {
  return {
    ...c,
    kindLabel: CERTIFICATE_KINDS[c.kind].label,
    issueReasonLabel: ISSUE_REASONS[c.issueReason],
    issueMethodLabel: ISSUE_METHODS[c.issueMethod],
    recoveryReasonLabel: c.recoveryReason ? RECOVERY_REASONS[c.recoveryReason] : null,
    recoveryMethodLabel: c.recoveryMethod ? RECOVERY_METHODS[c.recoveryMethod] : null,
    incomeClassLabel: c.incomeClass ? INCOME_CLASSES[c.incomeClass].label : null,
    diseaseLabel: c.disease ? DISEASES[c.disease] : null,
    copayLabel: c.copayPercent === 20 ? '2割' : c.copayPercent === 30 ? '3割' : null,
    inForce: c.recoveredOn === null && c.validFrom <= today && (c.validTo === null || today <= c.validTo),
  };
}

/**
 * 証の交付・回収 (資格確認書, 資格情報のお知らせ, 限度額適用認定証 and its 減額 variant, 特定疾病療養受療証):
 * the judgements they state (負担割合, 所得区分) from the NHI household on the day, issue with validity,
 * recovery, and printing as PDF under the DV rule. Every operation is one audited use case.
 */
export class CertificatesService {
  private readonly db: Kysely<DB>;
  constructor(
    private readonly database: Database,
    private readonly audit: AuditRepository,
  ) {
    this.db = database.db;
  }

  private async requirePerson(tx: Tx, scopeAllows: (n: number) => Promise<boolean>, atenaNo: number): Promise<IssuePerson> {
    const p = await tx.selectFrom('person').select(PERSON_COLUMNS).where('atena_no', '=', atenaNo).forUpdate().executeTakeFirst();
    if (!p || !(await scopeAllows(atenaNo))) throw notFoundPerson(atenaNo);
    return p;
  }

  /** The person's NHI household on `day` with that year's income, and the judgements for the person. */
  private async judge(tx: Tx, atenaNo: number, householdNo: number, day: string, revenueTestApplied: boolean): Promise<{ judgement: HouseholdJudgement; people: HouseholdPerson[]; headAtenaNo: number }> {
    const facts = await new NhiHouseholdRepository(tx).facts(householdNo, [atenaNo]);
    const h = nhiHouseholdOn(householdNo, day, facts);
    const own = h.addressException.includes(atenaNo);
    const insured = own ? [atenaNo] : h.members.map((m) => m.atenaNo).filter((n) => !h.addressException.includes(n));
    const headAtenaNo = own ? atenaNo : (h.head?.atenaNo ?? atenaNo);
    const former = own ? [] : h.specificSameHousehold;
    const ids = [...new Set([...insured, headAtenaNo, atenaNo, ...former])];
    const births = await tx.selectFrom('person').select(['atena_no', 'birth_date']).where('atena_no', 'in', ids).execute();
    const birthOf = new Map(births.map((b) => [Number(b.atena_no), b.birth_date]));
    const incomes = await new CertificatesRepository(tx).incomes(ids, incomeFiscalYear(day));
    const people: HouseholdPerson[] = [...new Set([...insured, headAtenaNo, atenaNo])].map((n) => ({
      atenaNo: n,
      birthDate: birthOf.get(n)!,
      insured: insured.includes(n),
      head: n === headAtenaNo,
      income: incomes.get(n)!,
    }));
    const judgement = judgeHousehold(atenaNo, day, people, former.map((n) => incomes.get(n)!), revenueTestApplied);
    return { judgement, people, headAtenaNo };
  }

  /** 証の状況: the person's certificates, and what would be issued on `day` (which kind, 負担割合, 所得区分, validity). */
  async overview(actor: Actor, atenaNo: number, day: string, correlationId: string) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'person.read', action: 'certificate.list', subjects: [atenaNo], detail: { asOf: day }, correlationId, refusal: refusal404 }, async ({ tx, scope }) => {
      const p = await this.requirePerson(tx, (n) => scope.allows(n), atenaNo);
      const repo = new CertificatesRepository(tx);
      const certificates = (await repo.ofPerson(atenaNo)).map((c) => certificateView(c, day));
      const period = await repo.insuredPeriodOn(atenaNo, day);
      if (!period) {
        return { atenaNo, asOf: day, insured: null, mynaRegistered: false, suggestedKind: null, judgement: null, certificates, toRecover: certificates.filter((c) => c.recoveredOn === null).map((c) => c.certificateId) };
      }
      const myna = await repo.mynaRegistered(atenaNo, day);
      const { judgement } = await this.judge(tx, atenaNo, Number(period.household_no), day, false);
      const validities = Object.fromEntries(
        (Object.keys(CERTIFICATE_KINDS) as CertificateKind[]).map((k) => [k, validity({ kind: k, issuedOn: day, applicationOn: day, birthDate: p.birth_date })]),
      );
      return {
        atenaNo,
        asOf: day,
        insured: { eligibilityId: Number(period.eligibility_id), householdNo: Number(period.household_no), symbol: period.insured_symbol, number: period.insured_number, branchNo: period.branch_no, acquiredOn: period.acquired_on },
        mynaRegistered: myna,
        // 資格確認書 without application to those without マイナ保険証, and to DV等支援措置 persons; otherwise the お知らせ.
        suggestedKind: (!myna || p.dv_support ? 'qualification_certificate' : 'qualification_notice') as CertificateKind,
        judgement: {
          age: ageOn(p.birth_date, day),
          copay: judgement.copay,
          incomeClass: { code: judgement.incomeClass.incomeClass, label: judgement.incomeClass.label, kyuTadashigakiTotal: judgement.incomeClass.kyuTadashigakiTotal, lines: judgement.incomeClass.lines },
          limitKind: judgement.limitKind,
          validities,
        },
        certificates,
        // Not yet recovered although no longer usable (資格なし is handled above): replaced or expired ones still out.
        toRecover: certificates.filter((c) => c.recoveredOn === null && c.validTo !== null && c.validTo < day).map((c) => c.certificateId),
      };
    });
  }

  /** 交付: checks, judgements and validity, the stored snapshot; a certificate of the same kind still out is recorded as returned (差替え). */
  async issue(actor: Actor, atenaNo: number, req: IssueRequest, correlationId: string) {
    return runUseCase(
      this.db,
      this.audit,
      actor,
      { functionCode: 'certificate.issue', action: 'certificate.issue', subjects: [atenaNo], detail: { kind: req.kind, issuedOn: req.issuedOn, reason: req.reason }, correlationId, refusal: refusal404 },
      async ({ tx, scope, detail }) => {
        const p = await this.requirePerson(tx, (n) => scope.allows(n), atenaNo);
        const r = await this.issueIn(tx, actorLabel(actor), p, req, null);
        detail({ certificateId: r.certificate.certificateId, replaced: r.replaced, headAtenaNo: r.headAtenaNo });
        return { certificate: r.certificate, replaced: r.replaced };
      },
    );
  }

  /**
   * 交付 inside a transaction (the counter's use case and the 一斉更新 job): the rule checks, the two
   * judgements, the validity, the snapshot row; a certificate of the same kind still out is recorded as
   * returned (差替え).
   */
  private async issueIn(tx: Tx, by: string, p: IssuePerson, req: IssueRequest, batchRun: string | null) {
    const atenaNo = Number(p.atena_no);
    const repo = new CertificatesRepository(tx);
    const errors: FieldError[] = [];
    const period = await repo.insuredPeriodOn(atenaNo, req.issuedOn);
    if (!period) rule([fieldError('issuedOn', '交付年月日', `${d(req.issuedOn)}に国民健康保険の資格がありません(資格のある日に交付してください)`)]);
    const myna = await repo.mynaRegistered(atenaNo, req.issuedOn);
    if (req.kind === 'qualification_certificate' && myna && !p.dv_support && !['application', 'lost'].includes(req.reason)) {
      errors.push(fieldError('kind', '種類', 'マイナ保険証の利用登録があるため、資格情報のお知らせを交付します(マイナ保険証で受診できない要配慮者に申請により交付するときは事由「申請」)'));
    }
    if ((req.kind === 'limit' || req.kind === 'limit_reduced' || req.kind === 'specific_disease') && req.reason !== 'application' && req.reason !== 'lost') {
      errors.push(fieldError('reason', '交付事由', `${CERTIFICATE_KINDS[req.kind].label}は申請により交付します(事由「申請」または「紛失・破損による再交付」)`));
    }
    if (req.kind === 'specific_disease' && !req.disease) errors.push(fieldError('disease', '認定疾病', '特定疾病療養受療証には認定疾病を選んでください'));
    if (req.applicationOn && req.applicationOn > req.issuedOn) errors.push(fieldError('applicationOn', '申請年月日', '申請年月日は交付年月日より後にできません'));
    rule(errors);

    const { judgement, headAtenaNo } = await this.judge(tx, atenaNo, Number(period!.household_no), req.issuedOn, req.revenueTestApplied);
    const lines: JudgementLine[] = [];
    let incomeClass: CertificateRow['incomeClass'] = null;
    let selfPayLimit: number | null = null;
    if (req.kind === 'limit' || req.kind === 'limit_reduced') {
      const expected = judgement.limitKind;
      if (expected === null) {
        rule([fieldError('kind', '種類', `所得区分「${judgement.incomeClass.label}」のため認定証は不要です(一部負担金の割合を記載した資格確認書等で受診できます)`)]);
      } else if (expected !== req.kind) {
        rule([fieldError('kind', '種類', `所得区分「${judgement.incomeClass.label}」のため、${CERTIFICATE_KINDS[expected].label}を交付します`)]);
      }
      const refuse = lawParams().integer('certificates.limit_cert_refused_in_arrears', req.issuedOn) === 1;
      if (refuse && req.inArrears && req.kind === 'limit') {
        rule([fieldError('inArrears', '滞納', `国保税の滞納がある世帯には限度額適用認定証を交付しません(${lawParams().entry('certificates.limit_cert_refused_in_arrears', req.issuedOn).law})。納付相談の後に交付してください`)]);
      }
      incomeClass = judgement.incomeClass.incomeClass;
      lines.push(...judgement.incomeClass.lines);
    }
    if (req.kind === 'specific_disease') {
      const upper = !judgement.copay.elderly && (judgement.incomeClass.incomeClass === 'a' || judgement.incomeClass.incomeClass === 'i');
      const high = req.disease === 'renal_dialysis' && upper;
      selfPayLimit = lawParams().yen(high ? 'certificates.tokutei_limit_dialysis_high' : 'certificates.tokutei_limit_standard', req.issuedOn);
      lines.push({
        label: '自己負担限度額',
        detail: high ? `人工透析・70歳未満・上位所得(区分${judgement.incomeClass.label}) → 月額${selfPayLimit.toLocaleString('ja-JP')}円` : `月額${selfPayLimit.toLocaleString('ja-JP')}円`,
        reference: lawParams().entry(high ? 'certificates.tokutei_limit_dialysis_high' : 'certificates.tokutei_limit_standard', req.issuedOn).law,
      });
    }
    const copayPercent = (req.kind === 'qualification_certificate' || req.kind === 'qualification_notice') && judgement.copay.elderly ? judgement.copay.percent : null;
    if (copayPercent !== null) lines.push(...judgement.copay.lines);
    const v = validity({ kind: req.kind, issuedOn: req.issuedOn, applicationOn: req.applicationOn, birthDate: p.birth_date });
    lines.push(...v.lines);

    // The certificate of the same kind still out is replaced (recorded as returned).
    const replaced = (await repo.ofPerson(atenaNo)).filter((c) => c.kind === req.kind && c.recoveredOn === null && (c.validTo === null || c.validTo >= req.issuedOn));
    for (const r of replaced) {
      await repo.recover(r.certificateId, { recoveredOn: req.issuedOn < r.issuedOn ? r.issuedOn : req.issuedOn, reason: 'replaced', method: req.previousRecoveryMethod, note: '新しい証の交付による差替え' });
    }
    const certificateId = await repo.insert(
      {
        kind: req.kind,
        atenaNo,
        householdNo: Number(period!.household_no),
        eligibilityId: Number(period!.eligibility_id),
        insuredSymbol: period!.insured_symbol,
        insuredNumber: period!.insured_number,
        branchNo: period!.branch_no,
        printedName: p.alias_kanji ?? p.name_kanji,
        printedNameKana: p.alias_kana ?? p.name_kana,
        issuedOn: req.issuedOn,
        validFrom: v.validFrom,
        validTo: v.validTo,
        copayPercent,
        incomeClass,
        disease: req.kind === 'specific_disease' ? req.disease : null,
        selfPayLimit,
        judgement: lines,
        applicationOn: req.applicationOn,
        issueReason: req.reason,
        issueMethod: req.method,
        batchRun,
      },
      by,
    );
    const row = (await repo.get(certificateId))!;
    return { certificate: certificateView(row, req.issuedOn), replaced: replaced.map((r) => r.certificateId), headAtenaNo };
  }

  /**
   * 一斉更新 (the yearly renewal, on 1 August): every person insured on `on` without マイナ保険証 (or under
   * DV等支援措置) gets a new 資格確認書, and every 高齢受給者 with マイナ保険証 a new 資格情報のお知らせ
   * stating the 負担割合 judged on the new year's income; both mailed to the 世帯主, valid from `on`. An
   * under-70 お知らせ has no expiry and is not renewed. A resumable batch: a person already renewed for
   * `on` is skipped, so a re-run or a resume after a kill issues nothing twice.
   */
  async renew(actor: Actor, on: string, opts: { chunkSize?: number; onProgress?: (p: { done: number; total: number; chunkNo: number }) => void } = {}): Promise<RunSummary> {
    const insuredOn = (db: Kysely<DB>, after: number) =>
      db
        .selectFrom('nhi_eligibility as n')
        .innerJoin('person as p', 'p.atena_no', 'n.atena_no')
        .where('n.superseded_at', 'is', null)
        .where('n.acquired_on', '<=', on)
        .where((eb) => eb.or([eb('n.lost_on', 'is', null), eb('n.lost_on', '>', on)]))
        .where('n.atena_no', '>', after);
    const job: BatchJob<{ on: string }, { after: number }> = {
      name: 'certificate-renewal',
      label: '資格確認書・資格情報のお知らせの一斉更新',
      functionCode: 'certificate.issue',
      remaining: async (db) => Number((await insuredOn(db, 0).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      chunk: async (tx, { cursor, chunkSize, runId }) => {
        const rows = await insuredOn(tx, cursor?.after ?? 0)
          .select(PERSON_COLUMNS.map((c) => `p.${c}` as const))
          .orderBy('n.atena_no')
          .limit(chunkSize)
          .execute();
        if (rows.length === 0) return null;
        const repo = new CertificatesRepository(tx);
        const counts = { qualification_certificate: 0, qualification_notice: 0, not_renewed: 0, already: 0 };
        const issued: number[] = [];
        const done = new Set(
          (await tx.selectFrom('certificate').select(['atena_no', 'kind']).where('issue_reason', '=', 'renewal').where('valid_from', '=', on).where('atena_no', 'in', rows.map((r) => Number(r.atena_no))).execute()).map((r) => `${r.atena_no}:${r.kind}`),
        );
        for (const p of rows) {
          const atenaNo = Number(p.atena_no);
          const myna = await repo.mynaRegistered(atenaNo, on);
          const kind: CertificateKind | null = !myna || p.dv_support ? 'qualification_certificate' : isElderlyOn(p.birth_date, on) ? 'qualification_notice' : null;
          if (kind === null) {
            counts.not_renewed += 1;
            continue;
          }
          if (done.has(`${atenaNo}:${kind}`)) {
            counts.already += 1;
            continue;
          }
          await this.issueIn(tx, actorLabel(actor), p, { kind, issuedOn: on, reason: 'renewal', method: 'mail', applicationOn: null, disease: null, revenueTestApplied: false, inArrears: false, previousRecoveryMethod: 'not_returned' }, runId);
          counts[kind] += 1;
          issued.push(atenaNo);
        }
        return { cursor: { after: Number(rows.at(-1)!.atena_no) }, processed: rows.length, counts, audit: { action: 'certificate.renewal', subjects: issued, detail: { on } } };
      },
    };
    return runBatch({ database: this.database, audit: this.audit }, job, { on }, { actor, chunkSize: opts.chunkSize ?? 200, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  }

  /** 回収: the date, reason and method a certificate came back (or was given up as not returned). */
  async recover(actor: Actor, certificateId: number, req: RecoverRequest, correlationId: string) {
    const subjects: number[] = [];
    return runUseCase(
      this.db,
      this.audit,
      actor,
      { functionCode: 'certificate.issue', action: 'certificate.recover', subjects, detail: { certificateId, reason: req.reason, method: req.method }, correlationId, refusal: refusal404 },
      async ({ tx, scope }) => {
        const repo = new CertificatesRepository(tx);
        const c = await repo.get(certificateId, true);
        if (!c || !(await scope.allows(c.atenaNo))) throw notFoundCertificate(certificateId);
        subjects.push(c.atenaNo);
        if (c.recoveredOn !== null) throw new AppError(409, 'already_recovered', `証番号 ${certificateId} は${d(c.recoveredOn)}に回収済みです`);
        if (req.recoveredOn < c.issuedOn) rule([fieldError('recoveredOn', '回収年月日', `回収年月日は交付年月日(${d(c.issuedOn)})より前にできません`)]);
        await repo.recover(certificateId, req);
        return certificateView((await repo.get(certificateId))!, req.recoveredOn);
      },
    );
  }

  /** 印刷: the certificate as PDF (the address left out when DV等支援措置 protects it). Audited as a print. */
  async pdf(actor: Actor, certificateId: number, correlationId: string): Promise<{ pdf: Buffer; fileName: string }> {
    const subjects: number[] = [];
    return runUseCase(
      this.db,
      this.audit,
      actor,
      { functionCode: 'certificate.issue', action: 'certificate.print', subjects, detail: { certificateId }, correlationId, refusal: refusal404 },
      async ({ tx, scope, detail }) => {
        const repo = new CertificatesRepository(tx);
        const c = await repo.get(certificateId);
        if (!c || !(await scope.allows(c.atenaNo))) throw notFoundCertificate(certificateId);
        subjects.push(c.atenaNo);
        const person = (await repo.personForPrint(c.atenaNo))!;
        const period = await tx.selectFrom('nhi_eligibility').select(['acquired_on']).where('eligibility_id', '=', c.eligibilityId).executeTakeFirstOrThrow();
        // The 世帯主 the certificate was mailed to: the taxpayer of the NHI household on the 交付日 (no income read).
        const h = nhiHouseholdOn(c.householdNo, c.issuedOn, await new NhiHouseholdRepository(tx).facts(c.householdNo, [c.atenaNo]));
        const headAtenaNo = h.addressException.includes(c.atenaNo) ? c.atenaNo : (h.head?.atenaNo ?? c.atenaNo);
        const head = (await repo.personForPrint(headAtenaNo)) ?? person;
        const protectedSet = await new PersonRepository(tx).protectedAddressesAmong([c.atenaNo, headAtenaNo]);
        const dv = protectedSet.has(c.atenaNo) || protectedSet.has(headAtenaNo);
        subjects.push(headAtenaNo);
        detail({ addressPrinted: !dv && person.town_name !== null });
        const line = dv ? null : formatAddress(person);
        const address = line === null ? null : { postalCode: person.postal_code ?? '', text: `${lawParams().text('certificates.insurer_name', c.issuedOn)}${line}` };
        const pdf = await certificatePdf({
          certificateId: c.certificateId,
          kind: c.kind,
          insurerName: lawParams().text('certificates.insurer_name', c.issuedOn),
          insurerNumber: lawParams().text('certificates.insurer_number', c.issuedOn),
          insuredSymbol: c.insuredSymbol,
          insuredNumber: c.insuredNumber,
          branchNo: c.branchNo,
          name: c.printedName,
          nameKana: c.printedNameKana,
          birthDate: person.birth_date,
          sex: person.sex,
          acquiredOn: period.acquired_on,
          issuedOn: c.issuedOn,
          validFrom: c.validFrom,
          validTo: c.validTo,
          copayLabel: c.copayPercent === null ? null : c.copayPercent === 20 ? '2割' : '3割',
          incomeClassLabel: c.incomeClass ? INCOME_CLASSES[c.incomeClass].label : null,
          disease: c.disease,
          selfPayLimit: c.selfPayLimit,
          headName: head.alias_kanji ?? head.name_kanji,
          mailed: c.issueMethod === 'mail',
          address,
        });
        return { pdf, fileName: `certificate-${c.certificateId}.pdf` };
      },
    );
  }
}
