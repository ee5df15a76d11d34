import { z } from '@hono/zod-openapi';

/** One step of a calculation's explanation (算式・金額・根拠), shared by the calculators and the stored versions. */
export const CalcLine = z
  .object({ label: z.string(), formula: z.string(), amount: z.number(), reference: z.string(), unit: z.enum(['人', '—']).optional().openapi({ description: 'amount が円でないとき: 人(人数)、—(判定のみ)' }) })
  .openapi('CalcLine');

/** One installment (期別): 普通徴収の期, 特別徴収の仮徴収・本徴収, or 随時 — shared by the calculator and the stored versions. */
export const InstallmentRow = z
  .object({ label: z.string(), kind: z.enum(['ordinary', 'provisional', 'final', 'occasional']), dueDate: z.string().optional(), amount: z.number() })
  .openapi('Installment');

/** A stored version's installment: the calculator's row, and `stopped` for a 特別徴収 stopped after a 更正 (特別徴収の中止). */
export const StoredInstallmentRow = InstallmentRow.extend({
  stopped: z.boolean().optional().openapi({ description: '特別徴収の中止(更正により、この年金支払月からは天引きしない。額は0)' }),
  dueDate: z.string().optional().openapi({ description: '普通徴収は納期限、特別徴収は年金支払日(15日)' }),
}).openapi('StoredInstallment');
