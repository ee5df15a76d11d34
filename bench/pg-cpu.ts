import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the local PostgreSQL server's processes, read from /proc (Linux, server on this machine).
 * `backend` is the CPU of the client backends connected to one database plus the parallel workers they
 * start (e.g. for CREATE INDEX); `shared` is the server's background processes (WAL writer, background
 * writer, checkpointer, autovacuum), which work for every database, so other load on the server shows
 * up there. Backends are sampled every `intervalMs`: a backend that exits loses at most its last interval.
 */

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux x86-64

interface Proc {
  kind: 'backend' | 'shared' | 'other';
  /** CPU seconds (user + system) at the first and the latest sample. */
  first: number;
  last: number;
  /** Seen at the start (only the growth counts) or started later (all of it counts). */
  preexisting: boolean;
}

function readCpu(pid: string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "(comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function cmdline(pid: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return null;
  }
}

export interface PgCpu {
  /** Client backends of the database (and their parallel workers), CPU seconds. */
  backendSeconds: number;
  /** Background processes of the whole server, CPU seconds. */
  sharedSeconds: number;
  /** False when /proc shows no PostgreSQL process (server elsewhere): the figures are then 0. */
  available: boolean;
}

export class PgCpuSampler {
  private readonly procs = new Map<string, Proc>();
  private timer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(
    private readonly database: string,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.sample();
    this.started = true;
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): PgCpu {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.read();
  }

  /** Totals so far (sampling goes on). */
  read(): PgCpu {
    this.sample();
    let backendSeconds = 0;
    let sharedSeconds = 0;
    for (const p of this.procs.values()) {
      const used = p.preexisting ? p.last - p.first : p.last;
      if (p.kind === 'backend') backendSeconds += used;
      else if (p.kind === 'shared') sharedSeconds += used;
    }
    return { backendSeconds, sharedSeconds, available: this.procs.size > 0 };
  }

  private sample(): void {
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
    } catch {
      return;
    }
    const ours = new Set<string>();
    const seen: { pid: string; cmd: string }[] = [];
    for (const pid of pids) {
      const known = this.procs.get(pid);
      if (known) {
        const cpu = readCpu(pid);
        if (cpu !== null) known.last = Math.max(known.last, cpu);
        continue;
      }
      const cmd = cmdline(pid);
      if (!cmd || !cmd.startsWith('postgres: ')) continue;
      seen.push({ pid, cmd });
    }
    for (const [pid, p] of this.procs) if (p.kind === 'backend') ours.add(pid);
    // Backends first, so parallel workers can be matched to their leader in the same sample.
    seen.sort((a, b) => Number(a.cmd.includes('parallel worker')) - Number(b.cmd.includes('parallel worker')));
    for (const { pid, cmd } of seen) {
      const cpu = readCpu(pid);
      if (cpu === null) continue;
      // "postgres: 15/main: <user> <database> <client> <state>" or "postgres: 15/main: parallel worker for PID n"
      const rest = cmd.replace(/^postgres: (?:[^:]+: )?/, '');
      const leader = /^parallel worker for PID (\d+)/.exec(rest)?.[1];
      let kind: Proc['kind'] = 'other';
      if (leader !== undefined) kind = ours.has(leader) ? 'backend' : 'other';
      else if (/^(checkpointer|background writer|walwriter|autovacuum)/.test(rest)) kind = 'shared';
      else if (rest.split(' ')[1] === this.database) kind = 'backend';
      if (kind === 'backend') ours.add(pid);
      this.procs.set(pid, { kind, first: cpu, last: cpu, preexisting: !this.started });
    }
  }
}
