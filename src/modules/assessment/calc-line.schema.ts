import { z } from '@hono/zod-openapi';

/** One step of a calculation's explanation (算式・金額・根拠), shared by the calculators and the stored versions. */
export const CalcLine = z.object({ label: z.string(), formula: z.string(), amount: z.number(), reference: z.string() }).openapi('CalcLine');
