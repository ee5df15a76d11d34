import { readFileSync } from 'node:fs';
import type { Command } from '../../cli/command.js';
import { opts, textOption } from '../../cli/command.js';
import { ParamError } from '../../platform/params/law-params.js';
import { calculateTax } from './tax.rules.js';
import { parseTaxInput } from './tax.input.js';
import { calculateInstallments, parseInstallmentsInput } from './installments.rules.js';

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

function fail(errors: string[]): number {
  for (const e of errors) process.stderr.write(`${e}\n`);
  return 2;
}
