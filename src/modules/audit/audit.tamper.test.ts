import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import type { DB } from '../../db/schema.js';
import { APP_ROLE, openDatabase } from '../../db/database.js';
import { Keyring, loadKeyFile, newKeyFile } from '../../security/keyring.js';
import { operatorActor } from '../../security/actor.js';
import { AuditRepository } from './audit.repository.js';
import { recordText, sealCheckpointMessage, sealHash, GENESIS_HASH } from './audit.rules.js';
import { recordOfRow, verifyAuditTrail, type VerifyResult } from './audit.verify.js';
import { FileAnchorLog, type AnchorEntry } from './audit.anchors.js';
import { runCli } from '../../cli/main.js';

/**
 * The audit trail resists the application (grants + triggers) and makes an owner's tampering evident:
 * every record carries an HMAC under a key outside the database, the sealer chains every number in order,
 * checkpoints are signed and anchored outside the database. Each tampering case runs on a snapshot that
 * is restored after it.
 */

let f: Fixture;
let clerk: Session;
let db: Kysely<DB>;
/** Numbers of records present at the start (a template database may hold gaps: never assume 1, 2, 3 …). */
let s: number[];

const AUDIT_TABLES = ['audit_event', 'audit_seal', 'audit_checkpoint', 'audit_seal_checkpoint'] as const;

beforeAll(async () => {
  f = await createFixture();
  db = f.deps.database.db;
  clerk = await f.login('kokuho01');
  const auditor = await f.login('kansa01');
  await clerk.request('GET', '/api/persons?kana=ヤマダ');
  await clerk.request('GET', `/api/persons/${FIXTURE.yamada.head}`);
  await clerk.request('GET', `/api/households/${FIXTURE.yamada.household}`);
  await clerk.request('GET', '/api/audit/events'); // denied, audited
  await auditor.request('GET', '/api/audit/events?staffId=kokuho01');
  const op = operatorActor('tamper-test', new Set());
  for (let i = 0; i < 10; i++) await f.deps.audit.appendAlone(db, op, { functionCode: 'test', action: `filler ${i}`, subjects: [FIXTURE.sato.head] });
  await f.deps.audit.checkpoint(db);
  s = (await db.selectFrom('audit_event').select('seq').orderBy('seq').limit(20).execute()).map((r) => Number(r.seq));
});
afterAll(async () => f?.close());

/**
 * Run as the schema owner: PostgreSQL — the owner's own connection (the application's login is nhi_app
 * and cannot become the owner); PGlite — the single session with the role reset.
 */
async function asOwner<T>(fn: (owner: Kysely<DB>) => Promise<T>): Promise<T> {
  if (f.deps.database.kind === 'postgresql') return f.deps.database.owner.connection().execute(fn);
  return db.connection().execute(async (conn) => {
    await sql`RESET ROLE`.execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql.raw(`SET ROLE ${APP_ROLE}`).execute(conn);
    }
  });
}

const anchors = (): AnchorEntry[] => f.deps.audit.sealer.anchors.read();
const verify = (on: Kysely<DB>, extra: { anchors?: AnchorEntry[]; now?: Date } = {}) => verifyAuditTrail(on, f.deps.keyring, { anchors: extra.anchors ?? anchors(), ...(extra.now ? { now: extra.now } : {}) });

/** Tamper as the owner with the immutability triggers off, verify (without sealing), then put everything back. */
async function tampered(tamper: (owner: Kysely<DB>) => Promise<void>, extra: { anchors?: AnchorEntry[]; now?: Date } = {}): Promise<VerifyResult> {
  return asOwner(async (owner) => {
    for (const t of AUDIT_TABLES) {
      await sql`CREATE TEMP TABLE ${sql.id(`${t}_snap`)} AS SELECT * FROM ${sql.table(t)}`.execute(owner);
      await sql`ALTER TABLE ${sql.table(t)} DISABLE TRIGGER USER`.execute(owner);
    }
    try {
      await tamper(owner);
      return await verify(owner, extra);
    } finally {
      for (const t of AUDIT_TABLES) {
        await sql`DELETE FROM ${sql.table(t)}`.execute(owner);
        await sql`INSERT INTO ${sql.table(t)} SELECT * FROM ${sql.id(`${t}_snap`)}`.execute(owner);
        await sql`DROP TABLE ${sql.id(`${t}_snap`)}`.execute(owner);
        await sql`ALTER TABLE ${sql.table(t)} ENABLE TRIGGER USER`.execute(owner);
      }
    }
  });
}

async function head(): Promise<number> {
  const r = await db.selectFrom('audit_event').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
  return Number(r.seq);
}

async function sealedHead(): Promise<number> {
  const r = await db.selectFrom('audit_seal').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
  return Number(r.seq);
}

async function expectIntact() {
  const v = await verify(db);
  expect(v.problem).toBeUndefined();
  expect(v.ok).toBe(true);
  return v;
}

/** Rewrite the seal chain from `from` on as an attacker would (the chain hash itself is not keyed). */
async function rechain(owner: Kysely<DB>, from: number): Promise<void> {
  const prev = await owner.selectFrom('audit_seal').select('chain_hash').where('seq', '=', from - 1).executeTakeFirst();
  let chain = prev?.chain_hash ?? GENESIS_HASH;
  const events = new Map((await owner.selectFrom('audit_event').select(['seq', 'row_mac', 'row_hash']).where('seq', '>=', from).execute()).map((e) => [Number(e.seq), e.row_mac ?? e.row_hash]));
  const seals = await owner.selectFrom('audit_seal').select('seq').where('seq', '>=', from).orderBy('seq').execute();
  for (const s of seals) {
    const digest = events.get(Number(s.seq)) ?? null;
    chain = sealHash(chain, Number(s.seq), digest);
    await owner.updateTable('audit_seal').set({ row_digest: digest, chain_hash: chain }).where('seq', '=', s.seq).execute();
  }
}

/** An unsealed record appended now (the fixture runs no background sealer). */
async function appendUnsealed(action: string): Promise<number> {
  return f.deps.audit.appendAlone(db, operatorActor('tamper-test', new Set()), { functionCode: 'test', action });
}

describe('audit trail: verification', () => {
  it('verifies after activity: every number sealed, a signed checkpoint, its anchor', async () => {
    const seq = await f.deps.audit.checkpoint(db);
    expect(seq === null || seq === (await head())).toBe(true);
    const v = await expectIntact();
    const count = await db.selectFrom('audit_event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(v.records).toBe(Number(count.n));
    expect(v.sealedSeq).toBe(await head());
    expect(v.checkpoints).toBeGreaterThanOrEqual(1);
    expect(v.anchors).toBe(v.checkpoints);
  });

  it('seals 50 concurrent requests as one unbroken chain', async () => {
    const before = await head();
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => clerk.request('GET', i % 2 ? '/api/persons?kana=ヤマダ' : `/api/persons/${FIXTURE.yamada.wife}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const seqs = (await db.selectFrom('audit_event').select('seq').where('seq', '>', before).orderBy('seq').execute()).map((r) => Number(r.seq));
    expect(seqs.length).toBeGreaterThanOrEqual(50);
    expect(new Set(seqs).size).toBe(seqs.length);
    await f.deps.audit.checkpoint(db);
    expect(await sealedHead()).toBe(await head());
    await expectIntact();
  });

  it('a rolled-back number is sealed as a gap, and the trail still verifies', async () => {
    const op = operatorActor('tamper-test', new Set());
    await expect(
      db.transaction().execute(async (tx) => {
        await f.deps.audit.append(tx, op, { functionCode: 'test', action: 'rolled back' });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const after = await appendUnsealed('after the rollback');
    await f.deps.audit.checkpoint(db);
    const gap = await db.selectFrom('audit_seal').selectAll().where('seq', '=', after - 1).executeTakeFirstOrThrow();
    expect(gap.row_digest).toBeNull();
    expect((await db.selectFrom('audit_event').select('seq').where('seq', '=', after - 1).execute()).length).toBe(0);
    await expectIntact();
  });
});

describe('audit trail: the application role cannot change it', () => {
  it.each(AUDIT_TABLES)('UPDATE / DELETE / TRUNCATE of %s as the app role → permission denied', async (table) => {
    const t = sql.table(table);
    await expect(sql`UPDATE ${t} SET seq = seq WHERE seq = 1`.execute(db)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM ${t} WHERE seq = 1`.execute(db)).rejects.toThrow(/permission denied/);
    await expect(sql`TRUNCATE ${t}`.execute(db)).rejects.toThrow(/permission denied/);
    const role = await sql<{ r: string }>`SELECT current_user AS r`.execute(db);
    expect(role.rows[0]!.r).toBe(APP_ROLE);
  });

  it.each(['audit_event', 'audit_seal', 'audit_seal_checkpoint'])('even the owner is stopped by the triggers on %s', async (table) => {
    await asOwner(async (owner) => {
      const t = sql.table(table);
      const one = await sql<{ seq: number }>`SELECT seq FROM ${t} ORDER BY seq LIMIT 1`.execute(owner);
      expect(one.rows.length).toBe(1);
      const seq = one.rows[0]!.seq;
      await expect(sql`UPDATE ${t} SET seq = seq WHERE seq = ${seq}`.execute(owner)).rejects.toThrow(/追記のみ/);
      await expect(sql`DELETE FROM ${t} WHERE seq = ${seq}`.execute(owner)).rejects.toThrow(/追記のみ/);
      await expect(sql`TRUNCATE ${t}`.execute(owner)).rejects.toThrow(/追記のみ/);
    });
    await expectIntact();
  });
});

describe('audit trail: an owner with the triggers disabled is caught', () => {
  it('an edited sealed record → row_mac at that record', async () => {
    const v = await tampered(async (owner) => {
      await sql`UPDATE audit_event SET actor_id = 'someone_else' WHERE seq = ${s[4]}`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: s[4], kind: 'row_mac' });
    expect(v.problem!.message).toContain(`通番 ${s[4]}`);
    await expectIntact();
  });

  it('an edited unsealed record → row_mac at that record', async () => {
    await f.deps.audit.checkpoint(db);
    const seq = await appendUnsealed('not sealed yet');
    expect(await sealedHead()).toBe(seq - 1);
    const v = await tampered(async (owner) => {
      await sql`UPDATE audit_event SET detail = '{"changed":true}' WHERE seq = ${seq}`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq, kind: 'row_mac' });
    await f.deps.audit.checkpoint(db);
    await expectIntact();
  });

  it('two records swapped (reordered) → row_mac at the first', async () => {
    const v = await tampered(async (owner) => {
      await sql`UPDATE audit_event SET seq = -1 WHERE seq = ${s[5]}`.execute(owner);
      await sql`UPDATE audit_event SET seq = ${s[5]} WHERE seq = ${s[6]}`.execute(owner);
      await sql`UPDATE audit_event SET seq = ${s[6]} WHERE seq = -1`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: s[5], kind: 'row_mac' });
    await expectIntact();
  });

  it('two unsealed records swapped → row_mac at the first', async () => {
    await f.deps.audit.checkpoint(db);
    const a = await appendUnsealed('unsealed a');
    const b = await appendUnsealed('unsealed b');
    const v = await tampered(async (owner) => {
      await sql`UPDATE audit_event SET seq = -1 WHERE seq = ${a}`.execute(owner);
      await sql`UPDATE audit_event SET seq = ${a} WHERE seq = ${b}`.execute(owner);
      await sql`UPDATE audit_event SET seq = ${b} WHERE seq = -1`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: a, kind: 'row_mac' });
    await f.deps.audit.checkpoint(db);
  });

  it('a deleted sealed record → deleted, naming the number', async () => {
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_event WHERE seq = ${s[7]}`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: s[7], kind: 'deleted' });
    await expectIntact();
  });

  it('a deleted record with its seal rewritten as a gap and the chain recomputed → the checkpoint names it', async () => {
    const cp = await db.selectFrom('audit_seal_checkpoint').select('seq').where('seq', '>=', s[7]!).orderBy('seq').limit(1).executeTakeFirstOrThrow();
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_event WHERE seq = ${s[7]}`.execute(owner);
      await rechain(owner, s[7]!);
    });
    expect(v.problem).toMatchObject({ seq: Number(cp.seq), kind: 'checkpoint_mismatch' });
    await expectIntact();
  });

  it('a record deleted, the chain recomputed and every checkpoint deleted → the anchor names the missing checkpoint', async () => {
    const first = anchors().find((a) => 'anchor' in a && a.anchor.seq >= s[7]!);
    if (!first || !('anchor' in first)) throw new Error('no anchor after the deleted record');
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_event WHERE seq = ${s[7]}`.execute(owner);
      await rechain(owner, s[7]!);
      await sql`DELETE FROM audit_seal_checkpoint`.execute(owner);
    });
    expect(v.problem).toMatchObject({ kind: 'checkpoint_missing' });
    expect(v.problem!.message).toMatch(/通番 \d+ のチェックポイントがデータベースにありません/);
    await expectIntact();
  });

  it('an edited record, later hashes recomputed, checkpoints deleted → still caught (row_mac; the anchors too)', async () => {
    const v = await tampered(async (owner) => {
      await sql`UPDATE audit_event SET actor_id = 'someone_else' WHERE seq = ${s[6]}`.execute(owner);
      await rechain(owner, s[6]!);
      await sql`DELETE FROM audit_seal_checkpoint`.execute(owner);
    });
    expect(v.ok).toBe(false);
    expect(['row_mac', 'checkpoint_missing']).toContain(v.problem!.kind);
    await expectIntact();
  });

  it('checkpoints deleted → checkpoint_missing, naming the first anchored one', async () => {
    const firstAnchor = anchors()[0];
    if (!firstAnchor || !('anchor' in firstAnchor)) throw new Error('no anchor');
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_seal_checkpoint`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: firstAnchor.anchor.seq, kind: 'checkpoint_missing' });
    expect(v.problem!.message).toContain(`通番 ${firstAnchor.anchor.seq}`);
    await expectIntact();
  });

  it('one checkpoint deleted (not the newest) → checkpoint_missing naming it', async () => {
    await appendUnsealed('one more');
    await f.deps.audit.checkpoint(db);
    const cps = await db.selectFrom('audit_seal_checkpoint').select('seq').orderBy('seq').execute();
    expect(cps.length).toBeGreaterThanOrEqual(2);
    const victim = Number(cps[0]!.seq);
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_seal_checkpoint WHERE seq = ${victim}`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: victim, kind: 'checkpoint_missing' });
    await expectIntact();
  });

  it('zero checkpoints (and no anchors kept) → no_checkpoint', async () => {
    const v = await tampered(
      async (owner) => {
        await sql`DELETE FROM audit_seal_checkpoint`.execute(owner);
      },
      { anchors: [] },
    );
    expect(v.problem).toMatchObject({ kind: 'no_checkpoint' });
    await expectIntact();
  });

  it('an empty anchor file with a non-empty trail → no_anchor', async () => {
    const v = await verify(db, { anchors: [] });
    expect(v.problem).toMatchObject({ kind: 'no_anchor' });
  });

  it('a tail truncated past a checkpoint → truncated, naming the first missing number', async () => {
    await appendUnsealed('tail');
    await f.deps.audit.checkpoint(db);
    const h = await head();
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_event WHERE seq > ${h - 3}`.execute(owner);
      await sql`DELETE FROM audit_seal WHERE seq > ${h - 3}`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: h - 2, kind: 'truncated' });
    await expectIntact();
  });

  it('a tail truncated with the checkpoints past it deleted → the anchor names the missing checkpoint', async () => {
    const h = await head();
    const firstGone = anchors().flatMap((a) => ('anchor' in a && a.anchor.seq > h - 3 ? [a.anchor.seq] : []))[0];
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_event WHERE seq > ${h - 3}`.execute(owner);
      await sql`DELETE FROM audit_seal WHERE seq > ${h - 3}`.execute(owner);
      await sql`DELETE FROM audit_seal_checkpoint WHERE seq > ${h - 3}`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: firstGone, kind: 'checkpoint_missing' });
    await expectIntact();
  });

  it('a forged checkpoint (signed with another key, to hide a truncation) → checkpoint_signature', async () => {
    const h = await head();
    const attacker = new Keyring(newKeyFile());
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_event WHERE seq > ${h - 3}`.execute(owner);
      await sql`DELETE FROM audit_seal WHERE seq > ${h - 3}`.execute(owner);
      await sql`DELETE FROM audit_seal_checkpoint WHERE seq > ${h - 3}`.execute(owner);
      const newHead = await owner.selectFrom('audit_seal').select(['seq', 'chain_hash']).where('seq', '=', h - 3).executeTakeFirstOrThrow();
      const at = new Date();
      await owner
        .insertInto('audit_seal_checkpoint')
        .values({ seq: h - 3, chain_hash: newHead.chain_hash, created_at: at, signature: attacker.sign(sealCheckpointMessage(h - 3, newHead.chain_hash, at.toISOString())) })
        .execute();
    });
    expect(v.problem).toMatchObject({ seq: h - 3, kind: 'checkpoint_signature' });
    await expectIntact();
  });

  it('a checkpoint whose hash was edited → checkpoint_signature', async () => {
    const h = await head();
    const v = await tampered(async (owner) => {
      await sql`UPDATE audit_seal_checkpoint SET chain_hash = ${'f'.repeat(64)} WHERE seq = ${h}`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: h, kind: 'checkpoint_signature' });
    await expectIntact();
  });

  it('a forged or edited anchor line → anchor_signature / anchor_unreadable', async () => {
    const real = anchors().filter((a): a is Extract<AnchorEntry, { anchor: unknown }> => 'anchor' in a);
    const edited = real.map((a, i) => (i === 0 ? { ...a, anchor: { ...a.anchor, chainHash: 'f'.repeat(64) } } : a));
    expect((await verify(db, { anchors: edited })).problem).toMatchObject({ seq: real[0]!.anchor.seq, kind: 'anchor_signature' });
    expect((await verify(db, { anchors: [...real, { line: 99, unreadable: '{oops' }] })).problem).toMatchObject({ kind: 'anchor_unreadable' });
  });

  it('a record added into a number sealed as a gap → inserted', async () => {
    const op = operatorActor('tamper-test', new Set());
    await db.transaction().execute(async (tx) => {
      await f.deps.audit.append(tx, op, { functionCode: 'test', action: 'will roll back' });
      await sql`SELECT 1/0`.execute(tx);
    }).catch(() => undefined);
    await appendUnsealed('after');
    await f.deps.audit.checkpoint(db);
    const gap = await db.selectFrom('audit_seal').select('seq').where('row_digest', 'is', null).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    const template = await db.selectFrom('audit_event').selectAll().where('seq', '=', s[4]!).executeTakeFirstOrThrow();
    const seq = Number(gap.seq);
    const v = await tampered(async (owner) => {
      const record = { ...recordOfRow(template), seq, action: 'forged' };
      await owner
        .insertInto('audit_event')
        .values({ ...template, seq, action: 'forged', detail: JSON.stringify(template.detail), subjects: sql`${`{${record.subjects.join(',')}}`}::bigint[]` as unknown as number[], row_mac: f.deps.keyring.auditMac(recordText(record)) })
        .execute();
    });
    expect(v.problem).toMatchObject({ seq, kind: 'inserted' });
    await expectIntact();
  });

  it('a record left unsealed longer than the bound → unsealed_stale', async () => {
    await f.deps.audit.checkpoint(db);
    const seq = await appendUnsealed('never sealed');
    const v = await verify(db, { now: new Date(Date.now() + 11 * 60_000) });
    expect(v.problem).toMatchObject({ seq, kind: 'unsealed_stale' });
    await f.deps.audit.checkpoint(db);
    await expectIntact();
  });
});

describe('CLI: npm run cli -- audit verify', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kokuho-audit-cli-'));
  const keyFile = path.join(dir, 'keys.json');
  const anchorFile = path.join(dir, 'audit-anchors.jsonl'); // the default under DATA_DIR
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, KEY_FILE: keyFile, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on an intact trail (in process)', async () => {
    // A trail with records and a checkpoint, written with the key file the CLI will read.
    const keyring = new Keyring(loadKeyFile(keyFile, { create: true }));
    const database = await openDatabase({ dataDir: path.join(dir, 'pglite') });
    const audit = new AuditRepository(keyring, new FileAnchorLog(anchorFile));
    const op = operatorActor('cli-test', new Set());
    for (let i = 0; i < 5; i++) await audit.appendAlone(database.db, op, { functionCode: 'test', action: `cli ${i}` });
    await audit.checkpoint(database.db);
    await database.close();

    const saved = { DATA_DIR: process.env.DATA_DIR, KEY_FILE: process.env.KEY_FILE, DATABASE_URL: process.env.DATABASE_URL };
    process.env.DATA_DIR = dir;
    process.env.KEY_FILE = keyFile;
    delete process.env.DATABASE_URL;
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await runCli(['audit', 'verify'])).toBe(0);
      expect(out.mock.calls.flat().join('\n')).toMatch(/監査証跡は正常です: 記録 5 件, 封印済み通番 5 まで, チェックポイント 1 件, アンカー 1 件/);
      expect(readFileSync(anchorFile, 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      out.mockRestore();
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const runChild = () => {
    const cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../cli/main.ts');
    const tsx = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../node_modules/.bin/tsx');
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(tsx, [cli, 'audit', 'verify'], { env, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
      });
    });
  };

  it('exits 1 naming the missing checkpoint when the checkpoints were deleted from the database (child process)', async () => {
    const database = await openDatabase({ dataDir: path.join(dir, 'pglite'), migrate: false });
    await sql`RESET ROLE`.execute(database.db);
    await sql`CREATE TABLE cp_keep AS SELECT * FROM audit_seal_checkpoint`.execute(database.db);
    await sql`ALTER TABLE audit_seal_checkpoint DISABLE TRIGGER USER`.execute(database.db);
    await sql`DELETE FROM audit_seal_checkpoint`.execute(database.db);
    await database.close();

    const result = await runChild();
    expect(result.stderr).toMatch(/通番 5 のチェックポイントがデータベースにありません/);
    expect(result.stderr).toMatch(/種別 checkpoint_missing/);
    expect(result.code).toBe(1);

    const restore = await openDatabase({ dataDir: path.join(dir, 'pglite'), migrate: false });
    await sql`RESET ROLE`.execute(restore.db);
    await sql`INSERT INTO audit_seal_checkpoint SELECT * FROM cp_keep`.execute(restore.db);
    await sql`DROP TABLE cp_keep`.execute(restore.db);
    await sql`ALTER TABLE audit_seal_checkpoint ENABLE TRIGGER USER`.execute(restore.db);
    await restore.close();
  });

  it('exits 1 with no_anchor when the anchor file is gone (child process)', async () => {
    const kept = readFileSync(anchorFile, 'utf8');
    rmSync(anchorFile);
    try {
      const result = await runChild();
      expect(result.stderr).toMatch(/種別 no_anchor/);
      expect(result.code).toBe(1);
    } finally {
      writeFileSync(anchorFile, kept);
    }
  });

  it('exits 1 naming the first bad record once the trail is edited (child process through tsx)', async () => {
    const database = await openDatabase({ dataDir: path.join(dir, 'pglite'), migrate: false });
    await sql`RESET ROLE`.execute(database.db);
    await sql`ALTER TABLE audit_event DISABLE TRIGGER USER`.execute(database.db);
    await sql`UPDATE audit_event SET action = 'edited' WHERE seq = 3`.execute(database.db);
    await sql`ALTER TABLE audit_event ENABLE TRIGGER USER`.execute(database.db);
    await database.close();

    const result = await runChild();
    expect(result.stderr).toMatch(/通番 3 の内容または通番が記録時のものと一致しません/);
    expect(result.stderr).toMatch(/種別 row_mac/);
    expect(result.code).toBe(1);
  });
});
