import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createFixture, type Fixture, type Session } from '../../testing/fixture.js';
import { pdfText } from '../../testing/pdf-text.js';

/** POST /api/calc/tax: the same calculation as `tax calc`, permission-checked and audited, touching no resident record. */
let f: Fixture;
let clerk: Session; // kokuho01: assessment.calc
let branch: Session; // shisho01: no assessment.calc
const db = () => f.deps.database.db;
const household = { fiscalYear: 2025, members: [{ label: '夫', head: true, insured: true, age: 45, income: { salaryRevenue: 4_000_000 } }, { label: '妻', head: false, insured: true, age: 43 }] };

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  branch = await f.login('shisho01');
});
afterAll(async () => f?.close());

describe('POST /api/calc/tax/pdf', () => {
  it('prints the 計算明細 for the 窓口: the same figures, the 期別 with 納期限 in 和暦, each step with its law; audited', async () => {
    const calc = (await (await clerk.request('POST', '/api/calc/tax', household)).json()) as { total: number; parts: Record<string, { amount: number }> };
    const r = await clerk.request('POST', '/api/calc/tax/pdf', household);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    const bytes = new Uint8Array(await r.arrayBuffer());
    if (process.env.TAX_PDF_OUT) writeFileSync(process.env.TAX_PDF_OUT, bytes);
    const text = (await pdfText(bytes)).join('').replace(/\s+/g, '');
    expect(text).toContain('令和7年度国民健康保険税計算明細(試算)');
    expect(text).toContain(`年税額${calc.total.toLocaleString('ja-JP')}円`);
    expect(text).toContain(`医療分`);
    expect(text).toContain('第1期納期限R7年7月31日');
    expect(text).toContain('計算の内訳(算式と根拠)');
    expect(text).toContain('city_tax.medical_income_rate');
    const audit = await db().selectFrom('audit_event').selectAll().where('action', '=', 'tax.calc.print').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ function_code: 'assessment.calc', outcome: 'success' });
  });
});

describe('POST /api/calc/tax', () => {
  it('answers the calculation with its lines and leaves an audit record without subjects', async () => {
    const persons = await db().selectFrom('person').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const r = await clerk.request('POST', '/api/calc/tax', household);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { total: number; reduction: string; parts: Record<string, { amount: number }>; lines: { label: string; reference: string }[] };
    expect(body.reduction).toBe('なし');
    expect(body.total).toBe(Object.values(body.parts).reduce((s, p) => s + p.amount, 0));
    expect(body.lines.some((l) => l.reference.includes('city_tax.medical_income_rate'))).toBe(true);
    const audit = await db().selectFrom('audit_event').selectAll().where('action', '=', 'tax.calc').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ function_code: 'assessment.calc', outcome: 'success' });
    expect(await db().selectFrom('person').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).toEqual(persons);
  });

  it('refuses bad input with Japanese field messages (400), a year without figures (422), and a user without the permission (403)', async () => {
    const bad = await clerk.request('POST', '/api/calc/tax', { ...household, fiscalYear: 2019 });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/年度: 2022〜2026の年度/);
    const noRates = await clerk.request('POST', '/api/calc/tax', { ...household, fiscalYear: 2023 });
    expect(noRates.status).toBe(422);
    expect(await noRates.text()).toMatch(/効力のある値がありません/);
    const denied = await branch.request('POST', '/api/calc/tax', household);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toMatch(/賦課の試算/);
  });
});

describe('POST /api/calc/installments', () => {
  it('answers the 期別 (the amounts sum to the annual tax) and is audited', async () => {
    const r = await clerk.request('POST', '/api/calc/installments', { fiscalYear: 2025, annualTax: 185_900, ordinary: true });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { installments: { label: string; dueDate: string; amount: number }[] };
    expect(body.installments[0]).toMatchObject({ label: '第1期', dueDate: '2025-07-31', amount: 24_900 });
    expect(body.installments.reduce((s, i) => s + i.amount, 0)).toBe(185_900);
    const audit = await db().selectFrom('audit_event').selectAll().where('action', '=', 'installments.calc').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ function_code: 'assessment.calc', outcome: 'success' });
    const over = await clerk.request('POST', '/api/calc/installments', { fiscalYear: 2025, annualTax: 1_000, special: { provisional: [5_000] } });
    expect(over.status).toBe(422);
  });
});

describe('CLI tax calc', () => {
  it('prints only the JSON on stdout; bad input exits 2 with `path: rule` on stderr and nothing on stdout', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'tax-calc-'));
    const good = path.join(dir, 'good.json');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify(household));
    writeFileSync(bad, JSON.stringify({ fiscalYear: 2025, members: [{ head: true, insured: true, age: 40, income: { salaryRevenue: -1 } }] }));
    const { runCli } = await import('../../cli/main.js');
    const out: string[] = [];
    const err: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const ewrite = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => out.push(String(s)) > 0) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => err.push(String(s)) > 0) as typeof process.stderr.write;
    let codes: number[];
    try {
      codes = [await runCli(['tax', 'calc', '--input', good])];
      const okOut = out.splice(0);
      expect(JSON.parse(okOut.join(''))).toMatchObject({ fiscalYear: 2025, municipality: '川口市' });
      codes.push(await runCli(['tax', 'calc', '--input', bad]));
    } finally {
      process.stdout.write = write;
      process.stderr.write = ewrite;
    }
    expect(codes).toEqual([0, 2]);
    expect(out).toEqual([]);
    expect(err.join('')).toBe('members[0].income.salaryRevenue: 0以上の整数で入力してください\n');
  });
});
