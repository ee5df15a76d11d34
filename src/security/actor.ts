import { AsyncLocalStorage } from 'node:async_hooks';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Permission } from '../platform/permissions.js';

/**
 * Who is acting. Every request and every batch runs inside an actor; no code path touches personal
 * data without one (the database refuses unattributed writes too: see nhi_actor()).
 */
export type Actor =
  | {
      kind: 'staff';
      id: string; // 職員ID
      displayName: string;
      officeCode: string;
      officeKind: 'head_office' | 'branch' | 'tax';
      permissions: ReadonlySet<Permission>;
      sessionRef: string; // first 16 hex chars of the session hash: links audit records to a session
      stepUpAt: Date | null;
      ip: string | null;
      terminal: string | null;
    }
  | {
      kind: 'operator'; // CLI / batch: OS user, host, job and run id
      id: string;
      job: string;
      runId: string;
      permissions: ReadonlySet<Permission>;
      ip: null;
      terminal: string;
    }
  | {
      kind: 'system'; // another municipal system pushing data (住基), authenticated by its client token
      id: string; // system:<client_id>
      clientId: string;
      permissions: ReadonlySet<Permission>;
      ip: string | null;
      terminal: null;
    }
  | { kind: 'anonymous'; id: 'anonymous'; ip: string | null; terminal: string | null };

const store = new AsyncLocalStorage<Actor>();

export function runAs<T>(actor: Actor, fn: () => T): T {
  return store.run(actor, fn);
}

export function currentActor(): Actor {
  const a = store.getStore();
  if (!a) throw new Error('actor missing: every operation must run inside runAs()');
  return a;
}

export function actorLabel(a: Actor): string {
  return a.kind === 'staff' ? `staff:${a.id}` : a.kind === 'operator' || a.kind === 'system' ? a.id : 'anonymous';
}

/** The identity a CLI command runs under; recorded in the audit trail like any staff member. */
export function operatorActor(job: string, permissions: ReadonlySet<Permission>, runId: string = randomUUID()): Actor & { kind: 'operator' } {
  const user = (() => {
    try {
      return os.userInfo().username;
    } catch {
      return process.env.USER ?? 'unknown';
    }
  })();
  const host = os.hostname();
  return { kind: 'operator', id: `operator:${user}@${host}/${job}/${runId}`, job, runId, permissions, ip: null, terminal: host };
}
