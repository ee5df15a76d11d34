import { statSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../http/errors.js';
import { formatWareki, parseDateInput } from '../lib/wareki.js';

/**
 * One command of `npm run cli -- <command> [options]`, declared by the platform (src/cli/main.ts) or by
 * a module (`cli` in its declaration). It runs as an operator identity (OS user, host, job, run id)
 * that the audit trail records like any staff member.
 */
export interface Command {
  summary: string;
  usage: string;
  /** Parse options; throw with a Japanese message naming the option on bad input. */
  run(deps: Deps, args: Record<string, string | boolean>, positional: string[]): Promise<number>;
  /** A command that reads only files runs without opening the database (works while the server holds it). */
  withoutDatabase?: boolean;
  /**
   * The JavaScript heap (MiB) the command runs in, from its options: a batch whose live data is bounded
   * (a chunk or two) would otherwise let V8 grow its heap with garbage to several times that. The CLI
   * starts itself again under `--max-old-space-size` when its own limit is larger (cli/heap-cap.ts).
   */
  heapMiB?: (args: Record<string, string | boolean>) => number;
}


/**
 * Read a command's options. Every problem is explained once per option, in Japanese, naming it:
 * 「--residents を指定してください」, 「--since: YYYY-MM-DD 形式の実在する日付で指定してください」; runCli adds the
 * command's example and answers exit code 2.
 */
export function opts<T extends z.ZodRawShape>(shape: T, args: Record<string, string | boolean>): z.infer<z.ZodObject<T>> {
  const r = z.object(shape).strict().safeParse(args);
  if (!r.success) {
    const messages = new Map<string, string>();
    for (const i of r.error.issues) {
      if (i.code === 'unrecognized_keys') for (const k of i.keys) messages.set(k, `不明なオプションです: --${k}`);
      const key = String(i.path[0] ?? '');
      if (!key || messages.has(key)) continue;
      messages.set(key, args[key] === undefined ? `--${key} を指定してください(${i.message})` : `--${key}: ${i.message}`);
    }
    throw new AppError(400, 'bad_option', [...messages.values()].join('\n'));
  }
  return r.data;
}

/** A whole number option within [min, max] (digits only), one message stating the range. */
export function intOption(min: number, max: number) {
  const rule = `${min.toLocaleString('en-US')}〜${max.toLocaleString('en-US')}の整数で指定してください`;
  return z
    .union([z.string(), z.boolean()], { error: rule })
    .refine((v) => typeof v === 'string' && /^\d{1,9}$/.test(v) && Number(v) >= min && Number(v) <= max, rule)
    .transform(Number);
}

/** One of a fixed list of values, one message listing them (each with what it means). */
export function choiceOption<T extends string>(choices: readonly { value: T; label: string }[]) {
  const rule = `${choices.map((c) => `${c.value}(${c.label})`).join('、')}のいずれかで指定してください`;
  return z
    .union([z.string(), z.boolean()], { error: rule })
    .refine((v): v is T => typeof v === 'string' && choices.some((c) => c.value === v), rule)
    .transform((v) => v as T);
}

/** A text option (a value must follow the option). */
export function textOption(max: number, what: string) {
  const rule = `${what}を${max}文字以内で指定してください`;
  return z
    .union([z.string(), z.boolean()], { error: rule })
    .refine((v) => typeof v === 'string' && v.trim().length >= 1 && v.length <= max, rule)
    .transform(String);
}

/** 2026-12-03T03:10Z → 令和8年12月3日 12:10 (日本時間). */
export function warekiDateTime(d: Date): string {
  const jst = new Date(d.getTime() + 9 * 3_600_000).toISOString();
  return `${formatWareki(jst.slice(0, 10))} ${jst.slice(11, 16)}(日本時間)`;
}

export const progressBar = (label: string) => new cliProgress.SingleBar({ format: `${label} {bar} {percentage}% | {value}/{total} | 残り {eta_formatted}` }, cliProgress.Presets.shades_classic);

/** A batch's progress on the terminal: the bar starts at the first report (when the total is known). */
export function batchProgress(label: string): { onProgress: (p: { done: number; total: number }) => void; stop: () => void } {
  const bar = progressBar(label);
  let started = false;
  return {
    onProgress: ({ done, total }) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

const ISO_DATE_OPTION_RULE = 'YYYY-MM-DD 形式の実在する日付で指定してください(例: 2026-04-01)';
export const isoDateOption = z
  .union([z.string(), z.boolean()], { error: ISO_DATE_OPTION_RULE })
  .refine((v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && parseDateInput(v) === v, ISO_DATE_OPTION_RULE)
  .transform(String);

/** The command's first positional argument (a 職員ID, a 実行ID …), or an error naming it with an example. */
export function requiredArgument(positional: readonly string[], message: string): string {
  const value = positional[0];
  if (!value) throw new AppError(400, 'bad_option', message);
  return value;
}

/** The file named first on the command line, refused before reading when it is missing, unreadable or larger than `maxBytes`. */
export function inputFile(positional: readonly string[], missing: string, maxBytes: number): string {
  const file = requiredArgument(positional, missing);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new AppError(400, 'bad_option', `ファイル ${file} を読めません`);
  }
  if (size > maxBytes) throw new AppError(400, 'bad_option', `ファイルが大きすぎます(${Math.round(size / 1048576)} MB。上限 ${maxBytes / 1048576} MB)。分割して取り込んでください`);
  return file;
}
