import { taxDocumentPdf } from './tax-notice-pdf.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../http/errors.js';
import { ParamError } from '../../platform/params/law-params.js';
import { runUseCase } from '../../platform/use-case.js';
import type { Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { calculateTax, type TaxResult } from './tax.rules.js';
import { calculateInstallments, type InstallmentsInput, type InstallmentsResult } from './installments.rules.js';
import type { TaxInput } from './tax.input.js';

/** A rule that cannot be applied to the input (a 年度 the city's figures do not cover …): 422 with the rule's message. */
export function calculationRefused(e: unknown): never {
  if (e instanceof ParamError || e instanceof RangeError) throw new AppError(422, 'calculation_refused', e.message.replace(/^法令パラメータのファイルに誤りがあります\n/, ''));
  throw e;
}

/**
 * 賦課: the what-if calculations over the API. Pure rules run inside a use case only so the request is
 * audited like every other (who asked, which 年度, how many members); no resident record is touched.
 */
export class AssessmentService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  async calcTax(actor: Actor, input: TaxInput, correlationId: string | null): Promise<TaxResult> {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.calc', action: 'tax.calc', correlationId, detail: { fiscalYear: input.fiscalYear, members: input.members.length, municipality: input.municipality?.name ?? input.city ?? null } }, async () => {
      try {
        return calculateTax(input);
      } catch (e) {
        return calculationRefused(e);
      }
    });
  }

  async calcInstallments(actor: Actor, input: InstallmentsInput, correlationId: string | null): Promise<InstallmentsResult> {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.calc', action: 'installments.calc', correlationId, detail: { fiscalYear: input.fiscalYear, annualTax: input.annualTax, method: input.ordinary ? 'ordinary' : 'special' } }, async () => {
      try {
        return calculateInstallments(input);
      } catch (e) {
        return calculationRefused(e);
      }
    });
  }

  /** 計算明細 (試算) as a PDF for the 窓口: the same calculation, its 期別 by the city's calendar, and every step with its law. */
  async taxExplanationPdf(actor: Actor, input: TaxInput, correlationId: string | null): Promise<Buffer> {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.calc', action: 'tax.calc.print', correlationId, detail: { fiscalYear: input.fiscalYear, members: input.members.length } }, async () => {
      let tax: TaxResult;
      let installments: InstallmentsResult;
      try {
        tax = calculateTax(input);
        installments = calculateInstallments({ fiscalYear: input.fiscalYear, annualTax: tax.total, ordinary: true });
      } catch (e) {
        return calculationRefused(e);
      }
      return taxDocumentPdf({ kind: 'explanation', issuedOn: todayInJapan(), cityName: tax.municipality, noticeNo: null, taxpayer: null, tax, installments: installments.installments });
    });
  }
}
