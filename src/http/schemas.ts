import { z } from '@hono/zod-openapi';

/** Shared response schemas. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), label: z.string(), message: z.string() })).optional(),
    }),
    correlationId: z.string().optional(),
  })
  .openapi('Error');

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBodySchema } }, description });

export const ErrorResponses = {
  400: err('入力が不正です(項目ごとのメッセージ付き)'),
  401: err('ログインしていません'),
  403: err('権限がありません'),
  404: err('見つかりません'),
} as const;
