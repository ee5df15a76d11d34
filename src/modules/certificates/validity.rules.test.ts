import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validity } from './validity.rules.js';
import { incomeFiscalYear, judgementYearEnd } from './judgement-year.rules.js';
import { CERTIFICATE_KIND_CODES } from './certificate-kinds.js';

describe('the judgement year: 1 August to 31 July, on the previous year\'s income (国保法施行令 第27条の2)', () => {
  it('switches on 1 August', () => {
    expect(incomeFiscalYear('2026-07-31')).toBe(2025);
    expect(incomeFiscalYear('2026-08-01')).toBe(2026);
    expect(judgementYearEnd('2026-07-31')).toBe('2026-07-31');
    expect(judgementYearEnd('2026-08-01')).toBe('2027-07-31');
  });
});

describe('有効期間 of each certificate', () => {
  it('資格確認書: to 31 July; ends the day before the person becomes 高齢受給者, or before the 75th birthday', () => {
    expect(validity({ kind: 'qualification_certificate', issuedOn: '2026-11-30', applicationOn: null, birthDate: '1990-01-01' })).toMatchObject({ validFrom: '2026-11-30', validTo: '2027-07-31' });
    expect(validity({ kind: 'qualification_certificate', issuedOn: '2026-11-30', applicationOn: null, birthDate: '1957-03-15' }).validTo).toBe('2027-03-31'); // 高齢受給者 from 2027-04-01
    expect(validity({ kind: 'qualification_certificate', issuedOn: '2026-11-30', applicationOn: null, birthDate: '1952-02-10' }).validTo).toBe('2027-02-09'); // 75 on 2027-02-10
  });
  it('資格情報のお知らせ: no expiry under 70, 31 July from 70', () => {
    expect(validity({ kind: 'qualification_notice', issuedOn: '2026-11-30', applicationOn: null, birthDate: '1990-01-01' }).validTo).toBeNull();
    expect(validity({ kind: 'qualification_notice', issuedOn: '2026-11-30', applicationOn: null, birthDate: '1955-01-01' }).validTo).toBe('2027-07-31');
  });
  it('限度額適用認定証: from the first of the application month to 31 July; 特定疾病: from that day to before 75', () => {
    expect(validity({ kind: 'limit', issuedOn: '2026-11-30', applicationOn: '2026-11-16', birthDate: '1980-01-01' })).toMatchObject({ validFrom: '2026-11-01', validTo: '2027-07-31' });
    expect(validity({ kind: 'specific_disease', issuedOn: '2026-11-30', applicationOn: '2026-11-16', birthDate: '1980-06-20' })).toMatchObject({ validFrom: '2026-11-01', validTo: '2055-06-19' });
  });
  it('property: never valid on or after the 75th birthday, never ends before it starts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CERTIFICATE_KIND_CODES),
        fc.date({ min: new Date('2025-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
        fc.date({ min: new Date('1950-01-01'), max: new Date('2025-12-31'), noInvalidDate: true }),
        (kind, issued, birth) => {
          const issuedOn = issued.toISOString().slice(0, 10);
          const birthDate = birth.toISOString().slice(0, 10);
          const seventyFifth = `${Number(birthDate.slice(0, 4)) + 75}${birthDate.slice(4)}`;
          if (issuedOn >= seventyFifth || birthDate.endsWith('02-29')) return;
          const v = validity({ kind, issuedOn, applicationOn: issuedOn, birthDate });
          if (v.validTo !== null) {
            expect(v.validTo >= v.validFrom).toBe(true);
            expect(v.validTo < seventyFifth).toBe(true);
          }
        },
      ),
    );
  });
});
