import { readFileSync } from 'node:fs';
import type { Command } from '../../cli/command.js';
import { intOption, opts, textOption } from '../../cli/command.js';
import { AppError } from '../../http/errors.js';
import { operatorActor } from '../../security/actor.js';
import { MunicipalityInput } from './tax.input.js';
import { ParamError } from '../../platform/params/law-params.js';
import { calculateTax } from './tax.rules.js';
import { parseTaxInput } from './tax.input.js';
import { calculateInstallments, parseInstallmentsInput } from './installments.rules.js';
import { pendingSummary } from './assessment-stored.service.js';
import { annualHeapMiB } from './assessment.batch.js';

/** Read a JSON file (`-`: standard input); null and a message when it cannot be read or parsed. */
function readJson(file: string, what: string): { ok: true; data: unknown } | { ok: false; error: string } {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch {
    return { ok: false, error: `${what}: ファイル ${file} を読めません` };
  }
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: `${what}: JSON として読めません(${e instanceof Error ? e.message : String(e)})` };
  }
}

const RUN_OPTIONS = { year: intOption(2000, 2100), chunk: intOption(1, 100_000).default(5000) };


/**
 * 賦課 calculators from the command line: one JSON document on stdout and nothing else; bad input exits
 * 2 with one Japanese `path: rule` line per problem on stderr (shared contract, module README).
 */
export const assessmentCommands: Record<string, Command> = {
  'tax-calc': {
    summary: '国民健康保険税を試算する(1世帯・1年度。入力と結果は JSON。住民の記録は使わない)',
    usage: 'tax calc --input household.json [--params municipality.json]   (標準入力は --input -)',
    withoutDatabase: true,
    async run(_deps, args) {
      const o = opts({ input: textOption(4096, '入力ファイル(JSON。標準入力は -)'), params: textOption(4096, '市町村の税率のファイル(JSON)').optional() }, args);
      const input = readJson(o.input, '--input');
      if (!input.ok) return fail([input.error]);
      let data = input.data;
      if (o.params !== undefined) {
        const m = readJson(o.params, '--params');
        if (!m.ok) return fail([m.error]);
        if (typeof data === 'object' && data !== null && !Array.isArray(data)) data = { ...data, municipality: m.data };
      }
      const parsed = parseTaxInput(data);
      if (!parsed.ok) return fail(parsed.errors);
      try {
        process.stdout.write(`${JSON.stringify(calculateTax(parsed.input), null, 2)}\n`);
        return 0;
      } catch (e) {
        if (e instanceof ParamError || e instanceof RangeError) return fail([e.message]);
        throw e;
      }
    },
  },
  'installments-calc': {
    summary: '期別を試算する(普通徴収の納期・納期限、または特別徴収の仮徴収・本徴収。入力と結果は JSON)',
    usage: 'installments calc --input installments.json   (標準入力は --input -)',
    withoutDatabase: true,
    async run(_deps, args) {
      const o = opts({ input: textOption(4096, '入力ファイル(JSON。標準入力は -)') }, args);
      const input = readJson(o.input, '--input');
      if (!input.ok) return fail([input.error]);
      const parsed = parseInstallmentsInput(input.data);
      if (!parsed.ok) return fail(parsed.errors);
      try {
        process.stdout.write(`${JSON.stringify(calculateInstallments(parsed.input), null, 2)}\n`);
        return 0;
      } catch (e) {
        if (e instanceof ParamError) return fail([e.message]);
        throw e;
      }
    },
  },
};

const yen = (n: number) => `${n.toLocaleString('en-US')}円`;

/** Stored assessments from the command line: 本算定 (progress on stderr), 更正, the rate simulation. */
export const storedAssessmentCommands: Record<string, Command> = {
  'assessment-run': {
    summary: '本算定: 全世帯の国民健康保険税を計算して保存する(中断しても再実行で続きから。進捗は標準エラー)',
    usage: 'assessment run --year 2026 [--chunk 5000]',
    heapMiB: (args) => annualHeapMiB(opts(RUN_OPTIONS, args).chunk),
    async run(deps, args) {
      const o = opts(RUN_OPTIONS, args);
      const actor = operatorActor('assessment-run', new Set(['assessment.run']));
      const t0 = performance.now();
      let last = 0;
      const r = await deps.assessments.runAnnual(actor, o.year, {
        chunkSize: o.chunk,
        onProgress: ({ done, total, chunkNo }) => {
          const now = performance.now();
          if (now - last < 1000 && done < total) return;
          last = now;
          const s = (now - t0) / 1000;
          process.stderr.write(`本算定 ${o.year}年度: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} 世帯 (${Math.round((100 * done) / Math.max(1, total))}%) チャンク ${chunkNo} | ${Math.round(done / Math.max(s, 0.001)).toLocaleString('en-US')} 世帯/秒 | ${s.toFixed(0)}秒\n`);
        },
      });
      const t = r.totals;
      console.log(
        [
          `本算定 ${o.year}年度 完了${r.resumed ? '(中断した実行を再開)' : ''}: 実行ID ${r.runId}`,
          `  世帯 ${(r.counts.households ?? 0).toLocaleString('en-US')} 件を確認、賦課 ${(r.counts.units ?? 0).toLocaleString('en-US')} 件(被保険者 ${(r.counts.insured ?? 0).toLocaleString('en-US')} 人)、納税義務者不明 ${r.counts.noTaxpayer ?? 0} 件、計算不能 ${r.counts.refused ?? 0} 件`,
          `  年税額 合計 ${yen(t.total ?? 0)}(医療分 ${yen(t.medical ?? 0)} / 支援分 ${yen(t.support ?? 0)} / 介護分 ${yen(t.care ?? 0)} / 子育て分 ${yen(t.childSupport ?? 0)})`,
          `  法定軽減 7割 ${r.counts.r7 ?? 0} 世帯 ${yen(t['reduction.r7'] ?? 0)} / 5割 ${r.counts.r5 ?? 0} 世帯 ${yen(t['reduction.r5'] ?? 0)} / 2割 ${r.counts.r2 ?? 0} 世帯 ${yen(t['reduction.r2'] ?? 0)}; 限度額 ${r.counts.capped ?? 0} 世帯; 0円 ${r.counts.zero ?? 0} 世帯`,
          `  確認画面: /assessment/runs/${r.runId}(通知の発送の確定には承認者の確認が必要です)`,
        ].join('\n'),
      );
      return 0;
    },
  },
  'assessment-reassess': {
    summary: '更正: 1世帯・1年度を現在の資格・世帯・所得で計算し直し、変わった賦課を新しい版として保存する(変更決定通知書つき)',
    usage: 'assessment reassess --household 123 --year 2025 [--cause 資格喪失の遡及]',
    async run(deps, args) {
      const o = opts({ household: intOption(1, 999_999_999), year: intOption(2000, 2100), cause: textOption(200, '更正の理由').default('更正') }, args);
      const actor = operatorActor('assessment-reassess', new Set(['assessment.run']));
      const out = await deps.assessments.reassess(actor, { householdNo: o.household, fiscalYear: o.year, cause: o.cause });
      console.log(JSON.stringify(out, null, 2));
      if (out.length === 0) process.stderr.write('この年度に賦課する国保世帯はありません\n');
      return out.some((x) => x.outcome === 'refused') ? 3 : 0;
    },
  },
  'assessment-reassess-pending': {
    summary: '更正の待ち行列(reassessment_request: 所得・資格・世帯・国保世帯の変更)の世帯・年度を計算し直し、処理済みにする(サーバーも REASSESS_EVERY_MINUTES ごとに行う)',
    usage: 'assessment reassess-pending [--limit 1000]',
    async run(deps, args) {
      const o = opts({ limit: intOption(1, 1_000_000).default(1000) }, args);
      const actor = operatorActor('assessment-reassess-pending', new Set(['assessment.run']));
      const r = await deps.assessments.reassessPending(actor, { limit: o.limit });
      console.log(pendingSummary(r));
      return r.outcomes.some((x) => x.outcome === 'refused') ? 3 : 0;
    },
  },
  'assessment-simulate': {
    summary: '税率の試算: 提案する市の税率で全世帯を計算し、区分ごとの税収と世帯ごとの増減の分布を出す(何も保存しない)',
    usage: 'assessment simulate --year 2027 --params municipality.json',
    async run(deps, args) {
      const o = opts({ year: intOption(2000, 2100), params: textOption(4096, '市町村の税率のファイル(JSON。tax calc の municipality と同じ形)') }, args);
      const m = readJson(o.params, '--params');
      if (!m.ok) return fail([m.error]);
      const parsed = MunicipalityInput.safeParse(m.data);
      if (!parsed.success) return fail(parsed.error.issues.map((i) => `municipality.${i.path.join('.')}: ${i.message}`));
      const actor = operatorActor('assessment-simulate', new Set(['assessment.read']));
      try {
        const r = await deps.assessments.simulate(actor, { fiscalYear: o.year, municipality: parsed.data });
        console.log(JSON.stringify(r, null, 2));
        return 0;
      } catch (e) {
        if (e instanceof AppError && e.status === 422) return fail([e.message]);
        throw e;
      }
    },
  },
};

function fail(errors: string[]): number {
  for (const e of errors) process.stderr.write(`${e}\n`);
  return 2;
}
