import { z } from '@hono/zod-openapi';

/**
 * Field schemas shared by the routes, each answering ONE message that states the whole rule (the
 * label is prefixed by zodFieldErrors): a 23-digit 宛名番号 gets 「宛名番号: 1〜10桁の数字で入力してください」
 * once, not "整数で" and "10桁以内" and a zod default. Numbers in paths and queries are read from the
 * text as typed (digits only: no 1e3, 0x10, spaces or signs), so nothing beyond a safe integer is parsed.
 */

/** A record number (宛名番号, 世帯番号, 変更番号 …) in a path or query: 1 to `digits` digits, not 0. */
export function recordNoParam(digits: number) {
  const rule = `1〜${digits}桁の数字で入力してください`;
  const pattern = new RegExp(`^\\d{1,${digits}}$`);
  return z
    .string({ error: rule })
    .refine((s) => pattern.test(s) && Number(s) >= 1, rule)
    .transform(Number)
    .openapi({ type: 'integer', minimum: 1, maximum: 10 ** digits - 1, example: 1 });
}

/** A record number in a JSON body: a JSON number (a numeric string is read too), 1 to `digits` digits. */
export function recordNoBody(digits: number) {
  const rule = `1〜${digits}桁の数字で入力してください`;
  const max = 10 ** digits - 1;
  return z
    .union([z.number(), z.string()], { error: rule })
    .refine((v) => (typeof v === 'number' ? Number.isSafeInteger(v) && v >= 1 && v <= max : new RegExp(`^\\d{1,${digits}}$`).test(v) && Number(v) >= 1), rule)
    .transform(Number)
    .openapi({ type: 'integer', minimum: 1, maximum: max });
}

/** A page number or page size in a query: digits only, within [min, max]; `advice` is added when above. */
export function intParam(min: number, max: number, fallback: number, advice = '') {
  const rule = `${min}〜${max.toLocaleString('en-US')}の数字で入力してください${advice}`;
  return z
    .string({ error: rule })
    .refine((s) => /^\d{1,9}$/.test(s) && Number(s) >= min && Number(s) <= max, rule)
    .transform(Number)
    .default(fallback)
    .openapi({ type: 'integer', minimum: min, maximum: max, default: fallback });
}

/** 宛名番号・世帯番号 are at most 10 digits (the demo generator and the city's numbering keep to this). */
export const atenaNoParam = recordNoParam(10);
/** Serial numbers the system assigns (資格履歴番号, 変更番号): at most 15 digits, always a safe integer. */
export const serialNoParam = recordNoParam(15);
