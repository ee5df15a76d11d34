import pino, { type Logger } from 'pino';
import { sql } from 'kysely';
import { authenticator } from 'otplib';
import { Writable } from 'node:stream';
import { openTestDatabase } from '../db/test-database.js';
import type { Database } from '../db/database.js';
import { testTemplates } from './templates.js';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { applyOrganization, loadOrganization } from '../modules/access/organization.js';
import { operatorActor } from '../security/actor.js';
import { DEMO_STAFF } from '../bootstrap.js';
import { kanaSearchKey, kanjiSearchKey } from '../lib/kana.js';
import { loadConfig } from '../config.js';
import { createApp } from '../app.js';
import { compose } from '../composition.js';
import type { Deps } from '../deps.js';
import type { Relationship } from '../modules/person/person.rules.js';

/** Hand-made municipality for API tests: four households covering the cases the screens must show. */
export const FIXTURE = {
  yamada: { household: 500000001, head: 100000001, wife: 100000002, child: 100000003 },
  sato: { household: 500000002, head: 100000011, mother: 100000012 }, // 擬制世帯主: head not insured
  // DV等支援措置: suzuki.person is flagged; her child (unflagged, not in NHI) and tanaka (another household
  // at the same address: 町字 + 番地 + 方書) live at the protected address too.
  suzuki: { household: 500000003, person: 100000021, child: 100000022 },
  nguyen: { household: 500000004, person: 100000031 }, // foreigner with 通称, not in NHI
  tanaka: { household: 500000005, person: 100000041 }, // same address as suzuki, own household, not flagged
} as const;

export interface Fixture {
  deps: Deps;
  app: ReturnType<typeof createApp>;
  logs: string[];
  totp: Record<string, string>;
  /**
   * A TOTP code for the staff member that the server will accept now. Codes are one-time, so the
   * fixture first forgets the last step used (tests log the same person in many times a minute).
   */
  totpCode(staffId: string, secret?: string): Promise<string>;
  /** Log a demo staff member in (password + TOTP). */
  login(staffId: string): Promise<Session>;
  /** Log every demo staff member in, each with the permissions their roles give (from /api/auth/me). */
  loginAll(): Promise<Map<string, { session: Session; permissions: Set<string> }>>;
  /** Log in any account (e.g. one a test created) with its password and TOTP secret. */
  loginWith(staffId: string, password: string, secret: string): Promise<Session>;
  /** The resident registry's system client (住基連携): requests carry its bearer token, no cookie. Made once. */
  systemSession(): Promise<Session & { permissions: Set<string> }>;
  close(): Promise<void>;
}

export interface Session {
  staffId: string;
  cookie: string;
  csrf: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function createFixture(): Promise<Fixture> {
  // Normally a copy of the fixture database the global set-up made once for the run (templates.ts).
  const templates = testTemplates();
  const { database, drop } = await openTestDatabase(templates?.fixture);
  const keyring = new Keyring(templates?.keyFile ?? newKeyFile());
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const deps = fixtureDeps(database, keyring, pino({ level: 'info' }, sink));
  const db = database.db;
  const totp: Record<string, string> = templates ? { ...templates.totp } : await populateFixture(deps);
  const app = createApp(deps);

  const requester = (cookie: string, csrf: string) => (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    Promise.resolve(
      app.request(path, {
        method,
        headers: { cookie, 'x-csrf-token': csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
    );

  async function totpCode(staffId: string, secret = totp[staffId]): Promise<string> {
    if (!secret) throw new Error(`no TOTP secret for ${staffId}`);
    await db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', 'test:fixture', true)`.execute(tx);
      await tx.updateTable('staff').set({ totp_last_step: null }).where('staff_id', '=', staffId).execute();
    });
    return authenticator.generate(secret);
  }

  async function loginWith(staffId: string, password: string, secret: string): Promise<Session> {
    const r1 = await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId, password }) });
    if (r1.status !== 200) throw new Error(`login failed ${r1.status} ${await r1.text()}`);
    const c1 = cookieOf(r1);
    const { csrfToken } = (await r1.json()) as { csrfToken: string };
    const r2 = await app.request('/api/auth/totp', { method: 'POST', headers: { 'content-type': 'application/json', cookie: c1, 'x-csrf-token': csrfToken }, body: JSON.stringify({ code: await totpCode(staffId, secret) }) });
    if (r2.status !== 200) throw new Error(`totp failed ${r2.status} ${await r2.text()}`);
    const cookie = cookieOf(r2);
    const me = (await r2.json()) as { staff: { csrfToken: string } };
    return { staffId, cookie, csrf: me.staff.csrfToken, request: requester(cookie, me.staff.csrfToken) };
  }

  async function login(staffId: string): Promise<Session> {
    const s = DEMO_STAFF.find((x) => x.staffId === staffId);
    if (!s) throw new Error(`no demo staff ${staffId}`);
    return loginWith(staffId, s.password, totp[staffId]!);
  }

  async function loginAll() {
    const sessions = new Map<string, { session: Session; permissions: Set<string> }>();
    for (const s of DEMO_STAFF) {
      const session = await login(s.staffId);
      const me = (await (await session.request('GET', '/api/auth/me')).json()) as { permissions: string[] };
      sessions.set(s.staffId, { session, permissions: new Set(me.permissions) });
    }
    return sessions;
  }

  let system: (Session & { permissions: Set<string> }) | undefined;
  async function systemSession() {
    if (system) return system;
    const token = await deps.registry.addClient(operatorActor('fixture', new Set(['user.admin'])), 'juki-test', '住民記録システム(試験)');
    const actor = (await deps.registry.systemActor(token, null))!;
    const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      Promise.resolve(
        app.request(path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
          ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        }),
      );
    system = { staffId: actor.id, cookie: '', csrf: '', request, permissions: new Set(actor.permissions) };
    return system;
  }

  return { deps, app, logs, totp, totpCode, login, loginAll, loginWith, systemSession, close: drop };
}

/** The services of the composition root over `database`, as the server wires them. */
export function fixtureDeps(database: Database, keyring: Keyring, logger: Logger): Deps {
  return compose({ config: { ...loadConfig({}), databaseUrl: undefined }, database, keyring, logger });
}

/** Fill a migrated database with the fixture: organisation, demo staff, FIXTURE's people. Returns the staff's TOTP secrets. */
export async function populateFixture(deps: Deps): Promise<Record<string, string>> {
  const op = operatorActor('fixture', new Set(deps.permissions.all));
  await applyOrganization(deps.database.db, loadOrganization(deps.permissions), op.id);
  const totp: Record<string, string> = {};
  for (const s of DEMO_STAFF) totp[s.staffId] = (await deps.staff.createWithKnownCredentials({ ...s, roles: [...s.roles] }, op)).totpSecret;
  await insertPeople(deps, op.id);
  return totp;
}

export function cookieOf(r: Response): string {
  const set = r.headers.get('set-cookie');
  if (!set) throw new Error('no cookie');
  return set.split(';')[0]!;
}

async function insertPeople(deps: Deps, actor: string): Promise<void> {
  const { db } = deps.database;
  await db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${actor}, true)`.execute(tx);
    await tx.insertInto('address_area').values([
      { area_code: '0101', town_name: 'みどり町', chome: 1, postal_code: '3330001', branch_office_code: 'kokuho' },
      { area_code: '0102', town_name: 'さくら台', chome: 2, postal_code: '3330002', branch_office_code: 'shingo' },
    ]).execute();
    const person = (atena: number, kanji: string, kana: string, birth: string, sex: 'male' | 'female', extra: Record<string, unknown> = {}) => ({
      atena_no: atena,
      name_kanji: kanji,
      name_kana: kana,
      name_kana_key: kanaSearchKey(kana),
      name_kanji_key: kanjiSearchKey(kanji),
      birth_date: birth,
      sex,
      resident_kind: 'japanese' as const,
      resident_status: 'resident' as const,
      became_resident_on: '2010-04-01',
      area_code: '0101',
      banchi: '1-2-3',
      address_set_on: '2010-04-01',
      valid_from: '2010-04-01',
      change_reason: 'moved_in' as const,
      updated_by: actor,
      ...extra,
    });
    const F = FIXTURE;
    await tx.insertInto('person').values([
      person(F.yamada.head, '山田　太郎', 'ヤマダ　タロウ', '1975-06-15', 'male'),
      person(F.yamada.wife, '山田　花子', 'ヤマダ　ハナコ', '1978-02-03', 'female'),
      person(F.yamada.child, '山田　一郎', 'ヤマダ　イチロウ', '2019-05-01', 'male', { valid_from: '2019-05-01', change_reason: 'birth' as const }),
      person(F.sato.head, '佐藤　健', 'サトウ　ケン', '1980-11-20', 'male', { area_code: '0102' }),
      person(F.sato.mother, '佐藤　ハナ', 'サトウ　ハナ', '1956-01-08', 'female', { area_code: '0102' }),
      person(F.suzuki.person, '鈴木　美咲', 'スズキ　ミサキ', '1990-07-07', 'female', { dv_support: true, katagaki: 'みどりハイツ101' }),
      person(F.suzuki.child, '鈴木　陽太', 'スズキ　ヨウタ', '2009-09-09', 'male', { katagaki: 'みどりハイツ101', previous_address: '東京都千代田区一番町1-1' }),
      person(F.tanaka.person, '田中　実', 'タナカ　ミノル', '1960-12-12', 'male', { katagaki: 'みどりハイツ101' }),
      person(F.nguyen.person, 'NGUYEN VAN AN', 'グエン　ヴァン　アン', '1995-03-30', 'male', {
        resident_kind: 'foreign', nationality_code: 'VN', real_name: 'NGUYEN VAN AN', real_name_kana: 'グエン　ヴァン　アン',
        alias_kanji: '中村　安', alias_kana: 'ナカムラ　ヤス', alias_kana_key: kanaSearchKey('ナカムラ　ヤス'), alias_kanji_key: kanjiSearchKey('中村　安'),
      }),
    ]).execute();
    const hh = (no: number) => ({ household_no: no, formed_on: '2010-04-01', valid_from: '2010-04-01', change_reason: 'moved_in' as const, updated_by: actor });
    await tx.insertInto('household').values([hh(F.yamada.household), hh(F.sato.household), hh(F.suzuki.household), hh(F.nguyen.household), hh(F.tanaka.household)]).execute();
    const m = (household_no: number, atena_no: number, relationship: Relationship, member_order: number, valid_from = '2010-04-01') => ({ household_no, atena_no, relationship, member_order, valid_from, change_reason: 'moved_in' as const, updated_by: actor });
    await tx.insertInto('household_member').values([
      m(F.yamada.household, F.yamada.head, 'head', 1), m(F.yamada.household, F.yamada.wife, 'wife', 2), m(F.yamada.household, F.yamada.child, 'child', 3, '2019-05-01'),
      m(F.sato.household, F.sato.head, 'head', 1), m(F.sato.household, F.sato.mother, 'mother', 2),
      m(F.suzuki.household, F.suzuki.person, 'head', 1), m(F.suzuki.household, F.suzuki.child, 'child', 2),
      m(F.tanaka.household, F.tanaka.person, 'head', 1),
      m(F.nguyen.household, F.nguyen.person, 'head', 1),
    ]).execute();
    const e = (atena_no: number, household_no: number, branch_no: string) => ({ atena_no, household_no, insured_symbol: '川1', insured_number: String(household_no).slice(-8), branch_no, acquired_on: '2010-04-01', acquisition_reason: 'moved_in' as const, updated_by: actor });
    await tx.insertInto('nhi_eligibility').values([
      e(F.yamada.head, F.yamada.household, '01'), e(F.yamada.wife, F.yamada.household, '02'), e(F.yamada.child, F.yamada.household, '03'),
      e(F.sato.mother, F.sato.household, '01'),
      e(F.suzuki.person, F.suzuki.household, '01'),
    ]).execute();
  });
  // A later change, so the history shows who changed what when: the Yamadas moved within the city.
  await db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${'staff:kokuho01'}, true)`.execute(tx);
    await tx.updateTable('person').set({ area_code: '0102', banchi: '4-5-6', address_set_on: '2024-10-01', valid_from: '2024-10-01', change_reason: 'moved_within' }).where('atena_no', 'in', [FIXTURE.yamada.head, FIXTURE.yamada.wife, FIXTURE.yamada.child]).execute();
  });
}
