import { describe, expect, it } from 'vitest';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { kanaSearchKey, toHalfWidthKatakana } from '../lib/kana.js';
import { generateChunk, insuredNumberOf, myNumberSerialOf, normaliseKanaInput, TABLE_COLUMNS, type ChunkSpec } from './chunk.js';
import { GIVEN_NAMES, NATIONALITIES, SURNAMES } from './names.js';
import { AREAS, BRANCH_OFFICES } from './areas.js';
import { loadOffices } from '../modules/access/organization.js';
import { Rng, mixSeed } from './prng.js';

const keyring = new Keyring(newKeyFile());
const spec: ChunkSpec = { index: 3, atenaFrom: 100_030_001, size: 2_000, householdFrom: 500_030_001 };
const ctx = (seed: number) => ({ seed, keyring, actorLabel: 'operator:test@host/seed/t' });

/** The chunk's COPY text without the ciphertext column (its nonce is random by design). */
function withoutCiphertext(tsv: string): string {
  const i = TABLE_COLUMNS.person_my_number.indexOf('ciphertext');
  return tsv
    .split('\n')
    .map((line) => line.split('\t').filter((_, j) => j !== i).join('\t'))
    .join('\n');
}

describe('chunk generator', () => {
  it('is deterministic for a seed and differs between seeds', async () => {
    const a = await generateChunk(ctx(42), spec);
    const b = await generateChunk(ctx(42), spec);
    const c = await generateChunk(ctx(43), spec);
    for (const t of ['person', 'household', 'household_member', 'income', 'income_return', 'nhi_eligibility'] as const) {
      expect(b.tsv[t].toString(), t).toBe(a.tsv[t].toString());
    }
    expect(withoutCiphertext(b.tsv.person_my_number.toString())).toBe(withoutCiphertext(a.tsv.person_my_number.toString()));
    expect(b.tsv.person_my_number.toString()).not.toBe(a.tsv.person_my_number.toString()); // fresh AES-GCM nonces
    expect(c.tsv.person.toString()).not.toBe(a.tsv.person.toString());
  });

  it('fills exactly its range of 宛名番号 and stays inside its 世帯番号 range', async () => {
    const a = await generateChunk(ctx(1), spec);
    const atena = a.tsv.person.toString().trimEnd().split('\n').map((l) => Number(l.split('\t')[0]));
    expect(atena).toHaveLength(spec.size);
    expect(atena[0]).toBe(spec.atenaFrom);
    expect(atena.at(-1)).toBe(spec.atenaFrom + spec.size - 1);
    const households = a.tsv.household.toString().trimEnd().split('\n').map((l) => Number(l.split('\t')[0]));
    expect(Math.min(...households)).toBe(spec.householdFrom);
    expect(Math.max(...households)).toBeLessThan(spec.householdFrom + spec.size);
    expect(a.rows.person_my_number).toBe(spec.size);
    expect(a.rows.household_member).toBe(spec.size);
  });

  it('normalises half-width kana input to the stored full-width form', async () => {
    const a = await generateChunk(ctx(5), spec);
    expect(a.stats.halfWidthKanaInputs).toBeGreaterThan(0);
    expect(a.tsv.person.toString()).not.toMatch(/[\uFF61-\uFF9F]/); // no half-width kana stored
    for (const s of SURNAMES) {
      for (const g of [...GIVEN_NAMES.male.flat(), ...GIVEN_NAMES.female.flat()].slice(0, 20)) {
        const stored = `${s.kana}　${g.kana}`;
        expect(normaliseKanaInput(toHalfWidthKatakana(stored))).toBe(stored);
      }
    }
  });

  it('precomputed name keys equal the search-key functions', () => {
    for (const s of SURNAMES) expect(s.kanaKey).toBe(kanaSearchKey(s.kana));
    const withSelector = SURNAMES.filter((s) => /\u{E0100}|\u{E0101}/u.test(s.kanji));
    expect(withSelector.length).toBeGreaterThan(0);
    for (const s of withSelector) expect(s.kanjiKey).not.toMatch(/\u{E0100}|\u{E0101}/u);
    expect(SURNAMES.length).toBeGreaterThanOrEqual(200);
    expect(GIVEN_NAMES.male.flat().length + GIVEN_NAMES.female.flat().length).toBeGreaterThanOrEqual(200);
    for (const n of NATIONALITIES) expect(n.code).toMatch(/^[A-Z]{2}$/);
  });
});

describe('numbers', () => {
  it('gives every household its own 8-digit 被保険者証番号 and every person a distinct My Number serial', () => {
    const seen = new Set<string>();
    const serials = new Set<number>();
    for (let i = 0; i < 200_000; i++) {
      const n = insuredNumberOf(500_000_001 + i);
      expect(n).toMatch(/^\d{8}$/);
      seen.add(n);
      serials.add(myNumberSerialOf(100_000_001 + i));
    }
    expect(seen.size).toBe(200_000);
    expect(serials.size).toBe(200_000);
  });
});

describe('address master', () => {
  it('has 40 fictional towns with 333 postal codes, each served by an office of config/organization.yaml', () => {
    expect(new Set(AREAS.map((a) => a.town_name)).size).toBe(40);
    for (const a of AREAS) {
      expect(a.postal_code).toMatch(/^333\d{4}$/);
      expect(BRANCH_OFFICES).toContain(a.branch_office_code);
      expect(a.chome === null || (a.chome >= 1 && a.chome <= 5)).toBe(true);
    }
    expect(new Set(AREAS.map((a) => a.area_code)).size).toBe(AREAS.length);
    const offices = new Set(loadOffices().map((o) => o.code));
    for (const code of BRANCH_OFFICES) expect(offices, code).toContain(code);
  });
});

describe('prng', () => {
  it('repeats for a seed and separates streams', () => {
    const a = new Rng(mixSeed(1, 2));
    const b = new Rng(mixSeed(1, 2));
    const c = new Rng(mixSeed(1, 3));
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});
