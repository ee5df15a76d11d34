import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';

let f: Fixture;
let kokuho: Session;
beforeAll(async () => {
  f = await createFixture();
  kokuho = await f.login('kokuho01');
});
afterAll(async () => f?.close());

type SearchBody = { total: number; items: { atenaNo: number; nameKanji: string; address: string | null; householdNo: number | null; relationship: string | null; relationshipLabel: string | null }[] };
const search = async (s: Session, query: string) => {
  const r = await s.request('GET', `/api/persons?${query}`);
  return { status: r.status, body: (await r.json()) as SearchBody & { error?: { message: string; fields?: { field: string; message: string }[] } } };
};
const ids = (b: SearchBody) => b.items.map((i) => i.atenaNo).sort();

describe('person search', () => {
  it('finds by kana prefix typed in full-width, half-width or hiragana', async () => {
    const want = [FIXTURE.yamada.head, FIXTURE.yamada.wife, FIXTURE.yamada.child].sort();
    for (const q of ['ヤマダ', 'ﾔﾏﾀﾞ', 'やまだ', 'ヤマダ　']) {
      const r = await search(kokuho, `kana=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(200);
      expect(ids(r.body), q).toEqual(want);
    }
  });

  it('finds a foreign resident by 通称 kana and by 通称 kanji', async () => {
    expect(ids((await search(kokuho, `kana=${encodeURIComponent('なかむら')}`)).body)).toEqual([FIXTURE.nguyen.person]);
    expect(ids((await search(kokuho, `name=${encodeURIComponent('中村')}`)).body)).toEqual([FIXTURE.nguyen.person]);
  });

  it('combines kanji name and birth date given in 和暦 or 西暦', async () => {
    for (const d of ['昭和50年6月15日', 'S50.6.15', '1975-06-15']) {
      const r = await search(kokuho, `name=${encodeURIComponent('山田')}&birthDate=${encodeURIComponent(d)}`);
      expect(ids(r.body), d).toEqual([FIXTURE.yamada.head]);
    }
  });

  it('finds by 宛名番号 and by 世帯番号', async () => {
    expect(ids((await search(kokuho, `atenaNo=${FIXTURE.sato.mother}`)).body)).toEqual([FIXTURE.sato.mother]);
    const sato = (await search(kokuho, `householdNo=${FIXTURE.sato.household}`)).body;
    expect(ids(sato)).toEqual([FIXTURE.sato.head, FIXTURE.sato.mother].sort());
    // 続柄 as its code, with the label the screens show.
    expect(sato.items.map((i) => [i.relationship, i.relationshipLabel]).sort()).toEqual([['head', '世帯主'], ['mother', '母']]);
  });

  it('pages the results', async () => {
    const p1 = await search(kokuho, `kana=${encodeURIComponent('ヤマダ')}&pageSize=2&page=1`);
    const p2 = await search(kokuho, `kana=${encodeURIComponent('ヤマダ')}&pageSize=2&page=2`);
    expect(p1.body.total).toBe(3);
    expect(p1.body.items).toHaveLength(2);
    expect(p2.body.items).toHaveLength(1);
    expect(new Set([...ids(p1.body), ...ids(p2.body)]).size).toBe(3);
  });

  it('answers bad input with 400 and a Japanese message naming the field', async () => {
    const r = await search(kokuho, 'kana=yamada');
    expect(r.status).toBe(400);
    expect(r.body.error?.fields?.[0]?.field).toBe('kana');
    expect(r.body.error?.fields?.[0]?.message).toMatch(/^カナ氏名: /);
    const none = await search(kokuho, '');
    expect(none.status).toBe(400);
    expect(none.body.error?.message).toMatch(/検索条件を1つ以上/);
    const date = await search(kokuho, `birthDate=${encodeURIComponent('平成31年5月1日')}`);
    expect(date.status).toBe(400);
    expect(date.body.error?.fields?.[0]?.message).toMatch(/^生年月日: /);
  });

  it('never returns a My Number field and records the search with the subjects returned', async () => {
    const r = await kokuho.request('GET', `/api/persons?kana=${encodeURIComponent('サトウ')}`);
    const text = await r.text();
    expect(text).not.toMatch(/myNumber|my_number|blind/i);
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'person.search').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(ev.actor_id).toBe('kokuho01');
    expect(ev.function_code).toBe('person.read');
    expect(ev.subjects.map(Number).sort()).toEqual([FIXTURE.sato.head, FIXTURE.sato.mother].sort());
  });
});

describe('household page', () => {
  it('shows members with 続柄, NHI status and the change history with who and when', async () => {
    const r = await kokuho.request('GET', `/api/households/${FIXTURE.yamada.household}`);
    expect(r.status).toBe(200);
    const h = (await r.json()) as {
      headAtenaNo: number; isPseudoHead: boolean; address: string;
      members: { atenaNo: number; relationship: string; relationshipLabel: string; nhi: { insured: boolean } | null }[];
      history: { by: string; atenaNo: number; changedFields: string[]; validFrom: string; changeReason: string; changeReasonLabel: string }[];
    };
    expect(h.headAtenaNo).toBe(FIXTURE.yamada.head);
    expect(h.isPseudoHead).toBe(false);
    expect(h.members.map((m) => [m.relationship, m.relationshipLabel])).toEqual([['head', '世帯主'], ['wife', '妻'], ['child', '子']]);
    expect(h.members.every((m) => m.nhi?.insured)).toBe(true);
    expect(h.address).toBe('さくら台2丁目4-5-6');
    const moved = h.history.filter((x) => x.atenaNo === FIXTURE.yamada.head);
    expect(moved).toHaveLength(1);
    expect(moved[0]!.by).toBe('staff:kokuho01');
    expect(moved[0]!.changedFields).toEqual(expect.arrayContaining(['area_code', 'banchi', 'valid_from', 'change_reason']));
    expect([moved[0]!.changeReason, moved[0]!.changeReasonLabel]).toEqual(['moved_within', '転居']); // the change's own 異動事由
    expect(moved[0]!.validFrom).toBe('2024-10-01');
  });

  it('marks a 擬制世帯主 household (head not insured, members insured)', async () => {
    const h = (await (await kokuho.request('GET', `/api/households/${FIXTURE.sato.household}`)).json()) as { isPseudoHead: boolean };
    expect(h.isPseudoHead).toBe(true);
  });

  it('answers 404 in Japanese for an unknown household', async () => {
    const r = await kokuho.request('GET', '/api/households/999999999');
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/世帯番号 999999999/);
  });
});

describe('person page', () => {
  it('shows the versions of a person: who changed what when', async () => {
    const r = await kokuho.request('GET', `/api/persons/${FIXTURE.yamada.wife}`);
    const p = (await r.json()) as { relationship: string; relationshipLabel: string; versions: { changeReason: string; changeReasonLabel: string; recordedBy: string; changedFields: string[] }[]; hasMyNumber: boolean };
    expect([p.relationship, p.relationshipLabel]).toEqual(['wife', '妻']);
    expect(p.versions.map((v) => v.changeReason)).toEqual(['moved_in', 'moved_within']);
    expect(p.versions.map((v) => v.changeReasonLabel)).toEqual(['転入', '転居']);
    expect(p.versions[1]!.recordedBy).toBe('staff:kokuho01');
    expect(p.versions[1]!.changedFields).toContain('banchi');
  });
});

describe('DV等支援措置', () => {
  it('hides the address from staff without the special permission, in search, person and household', async () => {
    const s = await search(kokuho, `kana=${encodeURIComponent('スズキ')}`);
    expect(s.body.items[0]!.address).toBeNull();
    const p = (await (await kokuho.request('GET', `/api/persons/${FIXTURE.suzuki.person}`)).json()) as { address: string | null; addressHidden: boolean };
    expect(p.address).toBeNull();
    expect(p.addressHidden).toBe(true);
    const h = (await (await kokuho.request('GET', `/api/households/${FIXTURE.suzuki.household}`)).json()) as { address: string | null };
    expect(h.address).toBeNull();
  });

  it('shows it to a holder of dv.read, and logs every view', async () => {
    const kakari = await f.login('kakari01');
    const p = (await (await kakari.request('GET', `/api/persons/${FIXTURE.suzuki.person}`)).json()) as { address: string | null };
    expect(p.address).toContain('みどりハイツ101');
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'person.get').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(ev.actor_id).toBe('kakari01');
    expect(ev.detail).toMatchObject({ dvSupport: true, addressShown: true });
  });
});

describe('per-record scope', () => {
  it('tax-department staff see NHI-file persons, and get 404 with an audit record outside it', async () => {
    const nozei = await f.login('nozei01');
    expect((await nozei.request('GET', `/api/persons/${FIXTURE.yamada.head}`)).status).toBe(200);
    expect((await nozei.request('GET', `/api/persons/${FIXTURE.sato.head}`)).status).toBe(200); // 擬制世帯主
    const out = await nozei.request('GET', `/api/persons/${FIXTURE.nguyen.person}`);
    expect(out.status).toBe(404);
    const body = await out.text();
    expect(body).not.toContain('NGUYEN');
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('actor_id', '=', 'nozei01').where('outcome', '=', 'denied').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(ev.subjects.map(Number)).toEqual([FIXTURE.nguyen.person]);
    expect((await nozei.request('GET', `/api/households/${FIXTURE.nguyen.household}`)).status).toBe(404);
    const s = await search(nozei, `kana=${encodeURIComponent('グエン')}`);
    expect(s.body.items).toHaveLength(0);
  });
});
