import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { effectsOf, lateElderlyLoss, type EventFacts } from './intake-effects.rules.js';
import { REGISTRY_EVENT_CODES, type RegistryEvent, type RegistryEventCode } from './registry-events.js';

function event(code: RegistryEventCode, occurredOn = '2026-06-10'): RegistryEvent {
  return {
    eventId: 'E', eventCode: code, occurredOn, reportedOn: null, atenaNo: 1, householdNo: 1, relationship: null, nameKanji: null, nameKana: null,
    aliasKanji: null, aliasKana: null, birthDate: null, sex: null, residentKind: null, areaCode: null, banchi: null, katagaki: null,
    otherAddress: null, otherPrefectureCode: null, residenceStatus: null, residenceExpiresOn: null,
  };
}
const insured: EventFacts = { period: { eligibilityId: 9, acquiredOn: '2020-04-01', lostOn: null }, householdInsured: true, birthDate: '1960-01-01' };
const notInsured: EventFacts = { period: null, householdInsured: false, birthDate: '1960-01-01' };

describe('what a registry event does to 国保 (one case per rule, with its article)', () => {
  it('死亡: lost the day after death, automatically (国保法 §8)', () => {
    expect(effectsOf(event('25', '2026-06-10'), insured)).toEqual([{ kind: 'automatic_loss', lostOn: '2026-06-11', lossReason: 'death', basis: expect.stringContaining('第8条') }]);
  });
  it('転出(県外へ): lost on the 転出日 itself, automatically (国保法 §8 ただし書)', () => {
    expect(effectsOf(event('21', '2026-06-10'), insured)).toEqual([{ kind: 'automatic_loss', lostOn: '2026-06-10', lossReason: 'moved_out', basis: expect.stringContaining('第8条ただし書') }]);
  });
  it('国外転出: no new address that day, so lost the day after (国保法 §8)', () => {
    expect(effectsOf(event('24', '2026-06-30'), insured)).toEqual([{ kind: 'automatic_loss', lostOn: '2026-07-01', lossReason: 'moved_out_abroad', basis: expect.stringContaining('翌日') }]);
  });
  it('転出(県内へ): no loss, only the end of the city’s application (都道府県単位化, 国保法 §5)', () => {
    expect(effectsOf(event('22'), insured)).toEqual([{ kind: 'work_item', item: 'application_end_in_prefecture', suggestedDate: '2026-06-10', basis: expect.stringContaining('資格を喪失しない') }]);
  });
  it('転入(県外から) and 国外転入 and 職権記載: an acquisition candidate on the day, for staff (§5, §7; §6 to be checked)', () => {
    for (const code of ['11', '13', '15'] as const) {
      expect(effectsOf(event(code), notInsured)).toEqual([{ kind: 'work_item', item: 'acquisition_candidate', suggestedDate: '2026-06-10', basis: expect.stringContaining('第7条') }]);
    }
  });
  it('転入(県内から): 資格 continues, the city’s application starts', () => {
    expect(effectsOf(event('12'), notInsured)).toEqual([{ kind: 'work_item', item: 'application_start_in_prefecture', suggestedDate: '2026-06-10', basis: expect.stringContaining('取得日を引き継ぐ') }]);
  });
  it('出生: a candidate on the birth date only when the household is in 国保 (§7)', () => {
    expect(effectsOf(event('14'), { ...notInsured, householdInsured: true })).toEqual([{ kind: 'work_item', item: 'acquisition_candidate', suggestedDate: '2026-06-10', basis: expect.stringContaining('出生の日') }]);
    expect(effectsOf(event('14'), notInsured)).toEqual([]);
  });
  it('転出予定 and 職権消除: loss candidates for staff, not automatic', () => {
    expect(effectsOf(event('23', '2026-07-01'), insured)).toEqual([expect.objectContaining({ item: 'loss_candidate', suggestedDate: '2026-07-01' })]);
    expect(effectsOf(event('26', '2026-07-01'), insured)).toEqual([expect.objectContaining({ item: 'loss_candidate', suggestedDate: '2026-07-02' })]);
  });
  it('世帯の異動, 氏名変更, 在留 changes: work items only when 国保 is touched', () => {
    expect(effectsOf(event('34'), insured)).toEqual([expect.objectContaining({ item: 'household_review' })]);
    expect(effectsOf(event('34'), notInsured)).toEqual([]);
    expect(effectsOf(event('36'), insured)).toEqual([expect.objectContaining({ item: 'certificate_reissue' })]);
    expect(effectsOf(event('38'), insured)).toEqual([expect.objectContaining({ item: 'residence_review', basis: expect.stringContaining('施行規則 第1条') })]);
  });
  it('an automatic loss never moves an earlier end, and a period starting later goes to staff', () => {
    expect(effectsOf(event('25', '2026-06-10'), { ...insured, period: { eligibilityId: 9, acquiredOn: '2020-04-01', lostOn: '2026-05-01' } })).toEqual([]);
    expect(effectsOf(event('25', '2026-06-10'), { ...insured, period: { eligibilityId: 9, acquiredOn: '2026-08-01', lostOn: null } })).toEqual([expect.objectContaining({ kind: 'work_item', item: 'loss_candidate' })]);
  });
  it('nothing touches 国保 for a person not insured and a household not insured (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REGISTRY_EVENT_CODES), (code) => {
        const effects = effectsOf(event(code), notInsured);
        const acquisition = ['11', '12', '13', '15'].includes(code);
        expect(effects.length).toBe(acquisition ? 1 : 0);
        expect(effects.every((e) => e.kind === 'work_item')).toBe(true);
      }),
    );
  });
});

describe('75歳到達 (国保法 §6第8号, 高齢者医療確保法 §50・§52)', () => {
  const period = { eligibilityId: 1, acquiredOn: '2010-04-01', lostOn: null };
  it('is lost on the 75th birthday itself, not the day after', () => {
    expect(lateElderlyLoss('1951-12-01', period, '2026-12-01')).toEqual(expect.objectContaining({ kind: 'automatic_loss', lostOn: '2026-12-01', lossReason: 'late_elderly' }));
    expect(lateElderlyLoss('1951-12-02', period, '2026-12-01')).toBeNull();
  });
  it('someone born on 29 February reaches 75 on 1 March in a common year', () => {
    expect(lateElderlyLoss('1952-02-29', period, '2027-03-01')).toEqual(expect.objectContaining({ lostOn: '2027-03-01' }));
  });
  it('a period already ended by then is left alone', () => {
    expect(lateElderlyLoss('1951-06-01', { ...period, lostOn: '2026-05-01' }, '2026-12-01')).toBeNull();
  });
});
