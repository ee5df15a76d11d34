import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addressProtected, householdMembersInNhiScope, maskAddressFields, sameAddress, type AddressHolder } from './person.rules.js';

const at = (atenaNo: number, householdNo: number | null, address: [string | null, string | null, string | null], dvSupport = false): AddressHolder => ({
  atenaNo,
  householdNo,
  areaCode: address[0],
  banchi: address[1],
  katagaki: address[2],
  dvSupport,
});
const HEIGHTS: [string, string, string] = ['0101', '1-2-3', 'みどりハイツ101'];

describe('DV等支援措置 protects an address, not only the flagged person', () => {
  const victim = at(1, 10, HEIGHTS, true);

  it('the flagged person, a member of the same household, and anyone at the same address are protected', () => {
    expect(addressProtected(victim, [])).toBe(true);
    expect(addressProtected(at(2, 10, HEIGHTS), [victim])).toBe(true);
    expect(addressProtected(at(3, 10, ['0102', '9', null]), [victim])).toBe(true); // same household, address recorded elsewhere
    expect(addressProtected(at(4, 20, HEIGHTS), [victim])).toBe(true); // another household at the same dwelling
  });

  it('another dwelling on the same 番地 (other or no 方書), another household, or no flagged person: not protected', () => {
    expect(addressProtected(at(5, 30, ['0101', '1-2-3', null]), [victim])).toBe(false);
    expect(addressProtected(at(6, 30, ['0101', '1-2-3', 'みどりハイツ102']), [victim])).toBe(false);
    expect(addressProtected(at(7, null, [null, null, null]), [at(8, null, [null, null, null], true)])).toBe(false);
    expect(addressProtected(at(2, 10, HEIGHTS), [{ ...victim, dvSupport: false }])).toBe(false);
  });

  it('is exactly: flagged, or sharing a household or an address with a flagged person is protected, whatever the order of the list', () => {
    const holder = fc.record({
      atenaNo: fc.integer({ min: 1, max: 50 }),
      householdNo: fc.option(fc.integer({ min: 1, max: 5 })),
      areaCode: fc.option(fc.constantFrom('0101', '0102')),
      banchi: fc.option(fc.constantFrom('1-2-3', '4')),
      katagaki: fc.option(fc.constantFrom('A101', 'A102')),
      dvSupport: fc.boolean(),
    });
    fc.assert(
      fc.property(holder, fc.array(holder, { maxLength: 6 }), (p, others) => {
        const expected = p.dvSupport || others.some((d) => d.dvSupport && ((p.householdNo !== null && p.householdNo === d.householdNo) || sameAddress(p, d)));
        expect(addressProtected(p, others)).toBe(expected);
        expect(addressProtected(p, [...others].reverse())).toBe(expected);
      }),
    );
  });

  it('masks the names of address fields in a history', () => {
    expect(maskAddressFields(['banchi', 'name_kanji', 'moved_out_to'])).toEqual(['(住所関係)', 'name_kanji', '(住所関係)']);
  });
});

describe('what tax-department staff see of a household', () => {
  const members = [
    { atenaNo: 1, relationship: 'head', current: true },
    { atenaNo: 2, relationship: 'wife', current: true },
    { atenaNo: 3, relationship: 'child', current: true },
    { atenaNo: 4, relationship: 'head', current: false },
  ] as const;
  it('its NHI members and the current 世帯主 in scope (the taxpayer), not members outside NHI', () => {
    expect(householdMembersInNhiScope(members, new Set([2]), true)).toEqual(new Set([1, 2]));
    expect(householdMembersInNhiScope(members, new Set([2]), false)).toEqual(new Set([2]));
    expect(householdMembersInNhiScope(members, new Set([1, 4]), true)).toEqual(new Set([1, 4]));
  });
  it('nothing of a household without NHI members (answered as unknown)', () => {
    expect(householdMembersInNhiScope(members, new Set(), true)).toEqual(new Set());
  });
});
