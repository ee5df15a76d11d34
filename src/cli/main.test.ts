import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { choiceOption, intOption, opts, runCli } from './main.js';

/** What the operator reads when a command is typed wrong: Japanese, the option, the form, an example; exit 2. */

let err: string[] = [];
let out: string[] = [];
beforeAll(() => {
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
});
afterEach(() => {
  err = [];
  out = [];
});
afterAll(() => vi.restoreAllMocks());

describe('option parsing (pure)', () => {
  it('names a missing option, a bad value with its range, and an unknown option, one message each', () => {
    const shape = { residents: intOption(1, 2_000_000), offset: intOption(0, 999).default(0) };
    expect(() => opts(shape, {})).toThrow(/^--residents を指定してください\(1〜2,000,000の整数で指定してください\)$/);
    expect(() => opts(shape, { residents: '1e3' })).toThrow(/^--residents: 1〜2,000,000の整数で指定してください$/);
    expect(() => opts(shape, { residents: true })).toThrow(/^--residents: 1〜2,000,000の整数で指定してください$/);
    expect(() => opts(shape, { residents: '99999999999999999999999' })).toThrow(/^--residents: 1〜2,000,000の整数で指定してください$/);
    expect(() => opts(shape, { residents: '10', ofset: '3' })).toThrow(/^不明なオプションです: --ofset$/);
    expect(opts(shape, { residents: '20000' })).toEqual({ residents: 20000, offset: 0 });
  });

  it('names an option of fixed values with every value allowed', () => {
    const shape = { profile: choiceOption([{ value: 'city', label: '一般の市' }, { value: 'nhi', label: '75歳未満の全員が国保' }]).default('city') };
    const rule = 'city(一般の市)、nhi(75歳未満の全員が国保)のいずれかで指定してください';
    expect(() => opts(shape, { profile: 'kokuho' })).toThrow(`--profile: ${rule}`);
    expect(() => opts(shape, { profile: true })).toThrow(`--profile: ${rule}`);
    expect(opts(shape, {})).toEqual({ profile: 'city' });
    expect(opts(shape, { profile: 'nhi' })).toEqual({ profile: 'nhi' });
  });
});

describe('runCli', () => {
  it('an unknown command: exit 2, Japanese, and the list of commands', async () => {
    expect(await runCli(['sead'])).toBe(2);
    expect(err.join('\n')).toContain('不明なコマンドです: sead');
    expect(out.join('\n')).toContain('使い方: npm run cli -- <コマンド>');
  });

  it('a bad option of a command without database: exit 2, the option, the form and the example; no stack trace', async () => {
    expect(await runCli(['params', 'show', '--date', '2026-02-30'])).toBe(2);
    const text = err.join('\n');
    expect(text).toContain('--date: YYYY-MM-DD 形式の実在する日付で指定してください(例: 2026-04-01)');
    expect(text).toContain('例: npm run cli -- params show');
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('a missing option of a database command: exit 2 with the example (runs against a fresh embedded database)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nhi-cli-'));
    const saved = { DATA_DIR: process.env.DATA_DIR, KEY_FILE: process.env.KEY_FILE, DATABASE_URL: process.env.DATABASE_URL };
    process.env.DATA_DIR = dir;
    delete process.env.KEY_FILE;
    delete process.env.DATABASE_URL;
    try {
      expect(await runCli(['seed'])).toBe(2);
      expect(err.join('\n')).toMatch(/--residents を指定してください\(1〜2,000,000の整数で指定してください\)\n例: npm run cli -- seed --residents 20000/);
      expect(err.join('\n')).not.toMatch(/\n\s+at /);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
      // The directory stays in the OS temp dir: the embedded database still writes to it after close.
    }
  }, 120_000);
});
