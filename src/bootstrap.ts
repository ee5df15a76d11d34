import type { Kysely } from 'kysely';
import type { DB } from './db/schema.js';
import type { Deps } from './deps.js';
import { applyOrganization, loadOrganization } from './modules/access/organization.js';
import { operatorActor } from './security/actor.js';
import { seedDemoCity } from './demo/generator.js';
import { intakeCsv, registryEventMaker } from './demo/registry-events.js';
import { addDays, todayInJapan } from './modules/eligibility/eligibility.rules.js';
import { writeDemoHistory } from './demo/history.js';
import { writeDemoCertificateFacts } from './demo/certificate-facts.js';
import { SEED_JOB } from './demo/generator.js';
import { demoPastWritten, pastGuide, writeDemoPast } from './demo/past.js';

/**
 * Demo staff of the demo city: one per typical job, and two user administrators so that four-eyes user
 * administration can be shown. Created ONLY in demo mode (`npm start`, i.e. `src/main.ts --demo`):
 * their passwords are public (README). The TOTP secrets are generated at first start, printed once, and
 * `npm run cli -- demo-totp <id>` prints the current code. A real city (`npm run serve`) never has them;
 * its first administrators come from `npm run cli -- admin-init`.
 */
export const DEMO_STAFF = [
  { staffId: 'kokuho01', displayName: '国保 太郎', officeCode: 'kokuho', password: 'Kokuho-Demo-2026', roles: ['kokuho_staff'] },
  { staffId: 'kakari01', displayName: '係長 花子', officeCode: 'kokuho', password: 'Kakari-Demo-2026', roles: ['kokuho_supervisor', 'dv_officer'] },
  { staffId: 'shisho01', displayName: '支所 一郎', officeCode: 'shingo', password: 'Shisho-Demo-2026', roles: ['branch_reader'] },
  { staffId: 'nozei01', displayName: '納税 次郎', officeCode: 'nozei', password: 'Nozei-Demo-2026!', roles: ['tax_collector'] },
  { staffId: 'kansa01', displayName: '監査 三郎', officeCode: 'johoseisaku', password: 'Kansa-Demo-2026!', roles: ['auditor'] },
  { staffId: 'admin01', displayName: '管理 四郎', officeCode: 'johoseisaku', password: 'Admin-Demo-2026!', roles: ['user_admin'] },
  { staffId: 'admin02', displayName: '管理 五子', officeCode: 'johoseisaku', password: 'Admin-Demo-2026?', roles: ['user_admin'] },
] as const;

/** Demo TOTP secrets kept in DATA_DIR for `demo-totp` (demo city only). */
export const DEMO_LOGINS_FILE = 'demo-logins.json';

export interface DemoLogin {
  staffId: string;
  password: string;
  totpSecret: string;
  roles: string[];
}

async function isEmpty(db: Kysely<DB>, table: 'staff'): Promise<boolean> {
  return !(await db.selectFrom(table).select(db.fn.countAll<number>().as('n')).executeTakeFirst().then((r) => Number(r?.n ?? 0) > 0));
}

/** The demo city is (re)seeded until one seed run has completed: a first start killed halfway resumes. */
async function demoCityComplete(db: Kysely<DB>): Promise<boolean> {
  const done = await db.selectFrom('job_run').select('run_id').where('job', '=', SEED_JOB).where('status', '=', 'completed').executeTakeFirst();
  if (done) return true;
  // A database filled by other means (a city's real 住基 load) is never seeded over.
  const anyPerson = await db.selectFrom('person').select('atena_no').limit(1).executeTakeFirst();
  const anyRun = await db.selectFrom('job_run').select('run_id').where('job', '=', SEED_JOB).executeTakeFirst();
  return !!anyPerson && !anyRun;
}

export interface BootstrapResult {
  demoLogins: DemoLogin[];
  seeded: boolean;
  /** The demo city's past, when this start wrote it: a household to open for each case. */
  demoPast: { households: number; versions: number; guide: ReturnType<typeof pastGuide> } | null;
  /** Active user administrators (a real city with none must run `admin-init`). */
  administrators: number;
}

/**
 * Organisation always. In demo mode only: on an empty database the demo staff (known passwords) and,
 * when asked, the demo city. Outside demo mode nothing is created: no known account ever exists in a
 * real city.
 */
export async function bootstrap(deps: Deps, opts: { demo: boolean; demoResidents: number; demoSeed: number; onProgress?: (done: number, total: number) => void }): Promise<BootstrapResult> {
  const { db } = deps.database;
  const op = operatorActor('bootstrap', new Set(deps.permissions.all));
  await applyOrganization(db, loadOrganization(deps.permissions), op.id);
  const demoLogins: DemoLogin[] = [];
  if (opts.demo && (await isEmpty(db, 'staff'))) {
    for (const s of DEMO_STAFF) {
      const { totpSecret } = await deps.staff.createWithKnownCredentials({ ...s, roles: [...s.roles] }, op);
      demoLogins.push({ staffId: s.staffId, password: s.password, totpSecret, roles: [...s.roles] });
    }
  }
  let seeded = false;
  let demoPast: BootstrapResult['demoPast'] = null;
  const seedActor = operatorActor('seed', new Set(deps.permissions.all));
  if (opts.demo && opts.demoResidents > 0 && !(await demoCityComplete(db))) {
    const result = await seedDemoCity(deps.database, deps.keyring, {
      residents: opts.demoResidents,
      seed: opts.demoSeed,
      actorLabel: seedActor.id,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    await deps.audit.appendAlone(db, seedActor, { functionCode: 'exchange.file', action: 'demo.seed', detail: { residents: opts.demoResidents, seed: opts.demoSeed, result: result as unknown as Record<string, unknown> } });
    seeded = true;
  }
  // After the seed (also on the start after one interrupted here): the city's past, once.
  if (opts.demo && opts.demoResidents > 0 && (await demoCitySeeded(db)) && !(await demoPastWritten(db))) {
    const historyRows = await writeDemoHistory(db, seedActor.id);
    const certificateFacts = await writeDemoCertificateFacts(db, seedActor.id);
    // Planned from the seeded city alone (so the same seed gives the same past, whatever the day).
    const past = await writeDemoPast(deps.database, { seed: opts.demoSeed, actorLabel: seedActor.id });
    const { cases: _cases, ...counts } = past;
    await deps.audit.appendAlone(db, seedActor, { functionCode: 'exchange.file', action: 'demo.past', detail: { historyRows, certificateFacts, ...counts } });
    demoPast = { households: past.households, versions: past.versions, guide: pastGuide(past) };
    await demoRegistryDay(deps, opts.demoSeed);
  }
  return { demoLogins, seeded, demoPast, administrators: (await deps.staff.activeAdministrators()).length };
}

/** The demo seed has completed here (a city's own database is never given a demo past). */
async function demoCitySeeded(db: Kysely<DB>): Promise<boolean> {
  return !!(await db.selectFrom('job_run').select('run_id').where('job', '=', SEED_JOB).where('status', '=', 'completed').executeTakeFirst());
}

/** Events in the demo city's registry file of yesterday (so 作業項目 and the automatic losses have something to show). */
const DEMO_REGISTRY_EVENTS = 15;

/** Yesterday's registry file, taken through the real intake (history, automatic losses, work items). */
async function demoRegistryDay(deps: Deps, seed: number): Promise<void> {
  const day = addDays(todayInJapan(), -1);
  // Taken already (a start interrupted after it): not again.
  if (await deps.database.db.selectFrom('registry_event').select('event_id').where('event_id', 'like', `B${day.replace(/-/g, '')}-%`).executeTakeFirst()) return;
  const maker = await registryEventMaker(deps.database.db, day, seed, { onePerPerson: true });
  const lines = Array.from({ length: DEMO_REGISTRY_EVENTS }, () => maker.next());
  try {
    await deps.registry.importFile(operatorActor('demo-registry', new Set(['registry.intake'])), intakeCsv(lines), { fileName: `demo-juki-${day}.csv` });
  } catch (e) {
    // The demo city stays usable without it; say why in the log.
    deps.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'デモ市の住基異動ファイルを取り込めませんでした');
  }
}
