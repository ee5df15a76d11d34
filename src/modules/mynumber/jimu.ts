import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The 個人番号利用事務 whitelist (番号法第9条), loaded from jimu.yaml and validated. Every code path that
 * uses a My Number names one of these codes and the kind of use; MyNumberService refuses (403) and
 * audits ('denied') a use without a code, with an unknown code, or with a code not allowed that use.
 */
export const MY_NUMBER_USES = ['register', 'correct', 'delete', 'reveal', 'lookup', 'rotate'] as const;
export type MyNumberUse = (typeof MY_NUMBER_USES)[number];

export const USE_LABELS: Record<MyNumberUse, string> = {
  register: '登録',
  correct: '訂正',
  delete: '削除',
  reveal: '番号表示',
  lookup: '番号による検索',
  rotate: '暗号鍵の更新',
};

const JimuSchema = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, '小文字・数字・_ と . のみ').max(64),
  name: z.string().min(1),
  legalBasis: z.array(z.string().min(1)).min(1),
  summary: z.string().min(1),
  source: z.string().min(1),
  note: z.string().optional(),
  uses: z.array(z.enum(MY_NUMBER_USES)).min(1),
});
export type Jimu = z.infer<typeof JimuSchema>;

const JimuFileSchema = z.object({ jimu: z.array(JimuSchema).min(1) });

export const JIMU_FILE = new URL('./jimu.yaml', import.meta.url);

export function loadJimu(file: URL | string = JIMU_FILE): JimuRegistry {
  const parsed = JimuFileSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`jimu.yaml が不正です: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const seen = new Set<string>();
  for (const j of parsed.data.jimu) {
    if (seen.has(j.code)) throw new Error(`jimu.yaml が不正です: 事務コード ${j.code} が重複しています`);
    seen.add(j.code);
  }
  return new JimuRegistry(parsed.data.jimu);
}

export type JimuCheck = { ok: true; jimu: Jimu } | { ok: false; reason: 'missing' | 'unknown' | 'use_not_allowed'; message: string };

export class JimuRegistry {
  private readonly byCode: Map<string, Jimu>;

  constructor(readonly all: readonly Jimu[]) {
    this.byCode = new Map(all.map((j) => [j.code, j]));
  }

  get(code: string): Jimu | undefined {
    return this.byCode.get(code);
  }

  /** Is `code` a whitelisted 事務 that allows this use? Pure: the caller audits the refusal. */
  check(code: string | undefined | null, use: MyNumberUse): JimuCheck {
    if (!code || !code.trim()) return { ok: false, reason: 'missing', message: `個人番号の${USE_LABELS[use]}には、利用する事務(番号法第9条)の指定が必要です` };
    const jimu = this.byCode.get(code);
    if (!jimu) return { ok: false, reason: 'unknown', message: '指定された事務は個人番号利用事務の一覧にありません。個人番号は利用できません' };
    if (!jimu.uses.includes(use)) return { ok: false, reason: 'use_not_allowed', message: `事務「${jimu.name}」では個人番号の${USE_LABELS[use]}はできません` };
    return { ok: true, jimu };
  }
}

/** What the audit trail records about the 事務 (code and legal basis; never a number). */
export function jimuAuditDetail(j: Jimu): { jimu: string; legalBasis: string[] } {
  return { jimu: j.code, legalBasis: j.legalBasis };
}

/** A jimu code as it may appear in an audit record of a refusal: bounded, and never a 12-digit run. */
export function safeJimuCode(code: string | undefined | null): string | null {
  if (code === undefined || code === null) return null;
  const s = String(code).slice(0, 64);
  return /\d{12}/.test(s) ? '(数字を含むため記録しません)' : s;
}
