import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import type { DB } from '../../db/schema.js';
import { APP_ROLE, openDatabase } from '../../db/database.js';
import { Keyring, loadKeyFile, newKeyFile } from '../../security/keyring.js';
import { operatorActor } from '../../security/actor.js';
import { AuditRepository } from './audit.repository.js';
import { chainHash, checkpointMessage, type AuditRecord } from './audit.rules.js';
import { recordOfRow, verifyAuditTrail, type VerifyResult } from './audit.verify.js';
import { runCli } from '../../cli/main.js';

/**
 * The audit trail resists the application (grants + triggers) and makes an owner's tampering evident
 * (hash chain + signed checkpoints). Each tampering case runs on a snapshot that is restored after it.
 */

let f: Fixture;
let clerk: Session;
let db: Kysely<DB>;

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
});
afterAll(async () => f?.close());

/** Run as the table owner on one connection (PGlite: the single connection; PostgreSQL: the pool's login user). */
async function asOwner<T>(fn: (owner: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`RESET ROLE`.execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql.raw(`SET ROLE ${APP_ROLE}`).execute(conn);
    }
  });
}

/** Tamper as the owner with the immutability triggers off, verify, then put everything back. */
async function tampered(tamper: (owner: Kysely<DB>) => Promise<void>): Promise<VerifyResult> {
  return asOwner(async (owner) => {
    await sql`CREATE TEMP TABLE ev_snap AS SELECT * FROM audit_event`.execute(owner);
    await sql`CREATE TEMP TABLE cp_snap AS SELECT * FROM audit_checkpoint`.execute(owner);
    await sql`ALTER TABLE audit_event DISABLE TRIGGER USER`.execute(owner);
    await sql`ALTER TABLE audit_checkpoint DISABLE TRIGGER USER`.execute(owner);
    try {
      await tamper(owner);
      return await verifyAuditTrail(owner, f.deps.keyring);
    } finally {
      await sql`DELETE FROM audit_event`.execute(owner);
      await sql`INSERT INTO audit_event SELECT * FROM ev_snap`.execute(owner);
      await sql`DELETE FROM audit_checkpoint`.execute(owner);
      await sql`INSERT INTO audit_checkpoint SELECT * FROM cp_snap`.execute(owner);
      await sql`DROP TABLE ev_snap`.execute(owner);
      await sql`DROP TABLE cp_snap`.execute(owner);
      await sql`ALTER TABLE audit_event ENABLE TRIGGER USER`.execute(owner);
      await sql`ALTER TABLE audit_checkpoint ENABLE TRIGGER USER`.execute(owner);
    }
  });
}

async function head(): Promise<number> {
  const r = await db.selectFrom('audit_event').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
  return Number(r.seq);
}

async function expectIntact() {
  const v = await verifyAuditTrail(db, f.deps.keyring);
  expect(v.problem).toBeUndefined();
  expect(v.ok).toBe(true);
  return v;
}

describe('audit trail: verification', () => {
  it('verifies after activity, with a signed checkpoint', async () => {
    const seq = await f.deps.audit.checkpoint(db);
    expect(seq).toBe(await head());
    const v = await expectIntact();
    expect(v.records).toBe(await head());
    expect(v.checkpoints).toBeGreaterThanOrEqual(1);
  });

  it('stays one unbroken chain under 50 concurrent requests', async () => {
    const before = await head();
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => clerk.request('GET', i % 2 ? '/api/persons?kana=ヤマダ' : `/api/persons/${FIXTURE.yamada.wife}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(await head()).toBe(before + 50);
    const seqs = (await db.selectFrom('audit_event').select('seq').where('seq', '>', before).orderBy('seq').execute()).map((r) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => before + 1 + i));
    await f.deps.audit.checkpoint(db);
    await expectIntact();
  });
});

describe('audit trail: the application role cannot change it', () => {
  it.each(['audit_event', 'audit_checkpoint'])('UPDATE / DELETE / TRUNCATE of %s as the app role → permission denied', async (table) => {
    await f.deps.audit.checkpoint(db);
    const t = sql.table(table);
    await expect(sql`UPDATE ${t} SET seq = seq WHERE seq = 1`.execute(db)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM ${t} WHERE seq = 1`.execute(db)).rejects.toThrow(/permission denied/);
    await expect(sql`TRUNCATE ${t}`.execute(db)).rejects.toThrow(/permission denied/);
    const role = await sql<{ r: string }>`SELECT current_user AS r`.execute(db);
    expect(role.rows[0]!.r).toBe(APP_ROLE);
  });

  it.each(['audit_event', 'audit_checkpoint'])('even the owner is stopped by the triggers on %s', async (table) => {
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
  it('an edited record → row_hash at that record', async () => {
    const v = await tampered(async (owner) => {
      await sql`UPDATE audit_event SET actor_id = 'someone_else' WHERE seq = 5`.execute(owner);
    });
    expect(v.ok).toBe(false);
    expect(v.problem).toMatchObject({ seq: 5, kind: 'row_hash' });
    expect(v.problem!.message).toContain('通番 5');
    await expectIntact();
  });

  it('an edited record with every later hash recomputed → caught by the signed checkpoint', async () => {
    await f.deps.audit.checkpoint(db);
    // The first signed checkpoint at or after the edited record is where the rewrite shows.
    const cp = await db.selectFrom('audit_checkpoint').select('seq').where('seq', '>=', 7).orderBy('seq').limit(1).executeTakeFirstOrThrow();
    const v = await tampered(async (owner) => {
      await sql`UPDATE audit_event SET actor_id = 'someone_else' WHERE seq = 7`.execute(owner);
      const rows = await owner.selectFrom('audit_event').selectAll().where('seq', '>=', 6).orderBy('seq').execute();
      let prev = rows[0]!.row_hash;
      for (const r of rows.slice(1)) {
        const rowHash = chainHash(prev, recordOfRow(r));
        await owner.updateTable('audit_event').set({ prev_hash: prev, row_hash: rowHash }).where('seq', '=', r.seq).execute();
        prev = rowHash;
      }
    });
    expect(v.problem).toMatchObject({ seq: Number(cp.seq), kind: 'checkpoint_mismatch' });
    await expectIntact();
  });

  it('a deleted middle record → gap naming the missing number', async () => {
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_event WHERE seq = 8`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: 8, kind: 'gap' });
    await expectIntact();
  });

  it('a record inserted out of order (later numbers shifted) → prev_hash at the record after it', async () => {
    const v = await tampered(async (owner) => {
      const prev = await owner.selectFrom('audit_event').selectAll().where('seq', '=', 9).executeTakeFirstOrThrow();
      await sql`UPDATE audit_event SET seq = -seq - 1 WHERE seq >= 10`.execute(owner);
      await sql`UPDATE audit_event SET seq = -seq WHERE seq < 0`.execute(owner);
      const forged: AuditRecord = { ...recordOfRow(prev), seq: 10, action: 'person.search', actorId: 'kokuho01', detail: { forged: true } };
      await owner
        .insertInto('audit_event')
        .values({
          seq: 10,
          occurred_at: new Date(forged.occurredAt),
          actor_kind: forged.actorKind,
          actor_id: forged.actorId,
          session_ref: forged.sessionRef,
          terminal: forged.terminal,
          ip: forged.ip,
          function_code: forged.functionCode,
          action: forged.action,
          subjects: sql`${`{${forged.subjects.join(',')}}`}::bigint[]` as unknown as number[],
          detail: JSON.stringify(forged.detail),
          outcome: forged.outcome,
          correlation_id: forged.correlationId,
          prev_hash: prev.row_hash,
          row_hash: chainHash(prev.row_hash, forged),
        })
        .execute();
    });
    expect(v.problem).toMatchObject({ seq: 11, kind: 'prev_hash' });
    await expectIntact();
  });

  it('a tail truncated past a checkpoint → truncated, naming the first missing number', async () => {
    await f.deps.audit.checkpoint(db);
    const h = await head();
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_event WHERE seq > ${h - 3}`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: h - 2, kind: 'truncated' });
    await expectIntact();
  });

  it('a forged checkpoint (signed with another key, to hide a truncation) → checkpoint_signature', async () => {
    await f.deps.audit.checkpoint(db);
    const h = await head();
    const attacker = new Keyring(newKeyFile());
    const v = await tampered(async (owner) => {
      await sql`DELETE FROM audit_event WHERE seq > ${h - 3}`.execute(owner);
      await sql`DELETE FROM audit_checkpoint WHERE seq > ${h - 3}`.execute(owner);
      const newHead = await owner.selectFrom('audit_event').select(['seq', 'row_hash']).where('seq', '=', h - 3).executeTakeFirstOrThrow();
      const at = new Date();
      await owner.insertInto('audit_checkpoint').values({ seq: h - 3, row_hash: newHead.row_hash, created_at: at, signature: attacker.sign(checkpointMessage(h - 3, newHead.row_hash, at.toISOString())) }).execute();
    });
    expect(v.problem).toMatchObject({ seq: h - 3, kind: 'checkpoint_signature' });
    await expectIntact();
  });

  it('a checkpoint whose hash was edited → checkpoint_signature', async () => {
    await f.deps.audit.checkpoint(db);
    const h = await head();
    const v = await tampered(async (owner) => {
      await sql`UPDATE audit_checkpoint SET row_hash = ${'f'.repeat(64)} WHERE seq = ${h}`.execute(owner);
    });
    expect(v.problem).toMatchObject({ seq: h, kind: 'checkpoint_signature' });
    await expectIntact();
  });
});

describe('CLI: npm run cli -- audit verify', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kokuho-audit-cli-'));
  const keyFile = path.join(dir, 'keys.json');
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, KEY_FILE: keyFile, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on an intact trail (in process)', async () => {
    // A trail with records and a checkpoint, written with the key file the CLI will read.
    const keyring = new Keyring(loadKeyFile(keyFile, { create: true }));
    const database = await openDatabase({ dataDir: path.join(dir, 'pglite') });
    const audit = new AuditRepository(keyring);
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
      expect(out.mock.calls.flat().join('\n')).toMatch(/監査証跡は正常です: 記録 5 件, チェックポイント 1 件/);
    } finally {
      out.mockRestore();
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('exits 1 naming the first bad record once the trail is edited (child process through tsx)', async () => {
    const database = await openDatabase({ dataDir: path.join(dir, 'pglite'), migrate: false });
    await sql`RESET ROLE`.execute(database.db);
    await sql`ALTER TABLE audit_event DISABLE TRIGGER USER`.execute(database.db);
    await sql`UPDATE audit_event SET action = 'edited' WHERE seq = 3`.execute(database.db);
    await sql`ALTER TABLE audit_event ENABLE TRIGGER USER`.execute(database.db);
    await database.close();

    const cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../cli/main.ts');
    const tsx = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../node_modules/.bin/tsx');
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(tsx, [cli, 'audit', 'verify'], { env, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
      });
    });
    expect(result.stderr).toMatch(/通番 3 の内容がハッシュと一致しません/);
    expect(result.stderr).toMatch(/種別 row_hash/);
    expect(result.code).toBe(1);
  });
});
