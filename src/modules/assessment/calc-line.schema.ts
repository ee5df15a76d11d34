import { z } from '@hono/zod-openapi';

/** One step of a calculation's explanation (算式・金額・根拠), shared by the calculators and the stored versions. */
export const CalcLine = z
  .object({ label: z.string(), formula: z.string(), amount: z.number(), reference: z.string(), unit: z.enum(['人', '—']).optional().openapi({ description: 'amount が円でないとき: 人(人数)、—(判定のみ)' }) })
  .openapi('CalcLine');

/** One installment (期別): 普通徴収の期, 特別徴収の仮徴収・本徴収, or 随時 — shared by the calculator and the stored versions. */
export const InstallmentRow = z
  .object({ label: z.string(), kind: z.enum(['ordinary', 'provisional', 'final', 'occasional']), dueDate: z.string().optional(), amount: z.number() })
  .openapi('Installment');
