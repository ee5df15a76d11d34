import { describe, expect, it } from 'vitest';
import { RegistryEventMaker } from './registry-events.js';

const DAY = '2026-11-30';
const poolOf = (n: number) => Array.from({ length: n }, (_, i) => ({ atenaNo: 100 + i, householdNo: 500 + Math.floor(i / 3), head: i % 3 === 0 }));
const named = (lines: { atena_no?: string }[]) => lines.map((l) => Number(l.atena_no));

describe('RegistryEventMaker', () => {
  it('names no person twice in a day with onePerPerson (the demo city’s day)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const maker = new RegistryEventMaker(poolOf(300), ['0101'], { atena: 10_000, household: 20_000 }, seed, DAY, 0, true);
      const atenas = named(Array.from({ length: 40 }, () => maker.next()));
      expect(new Set(atenas).size).toBe(atenas.length);
    }
  });

  it('draws with repeats without it (the bench’s year), and still ends when a small pool runs out', () => {
    const repeats = [1, 2, 3, 4, 5].some((seed) => {
      const maker = new RegistryEventMaker(poolOf(60), ['0101'], { atena: 10_000, household: 20_000 }, seed, DAY);
      const atenas = named(Array.from({ length: 30 }, () => maker.next()));
      return new Set(atenas).size < atenas.length;
    });
    expect(repeats).toBe(true);
    const small = new RegistryEventMaker(poolOf(15), ['0101'], { atena: 10_000, household: 20_000 }, 9, DAY, 0, true);
    const atenas = named(Array.from({ length: 25 }, () => small.next()));
    expect(new Set(atenas).size).toBeLessThan(atenas.length);
  });
});
