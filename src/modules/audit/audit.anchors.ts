import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Anchors: every signed seal checkpoint is also written outside the database, one JSON line each, to an
 * append-only file the operator copies elsewhere (AUDIT_ANCHOR_FILE). A database superuser can delete
 * or rewrite checkpoints in the database, not the anchors; `audit verify` compares the two.
 */
export interface Anchor {
  seq: number;
  chainHash: string;
  createdAt: string;
  signature: string;
}

/** A line that could not be read is kept as a problem for verify to name. */
export type AnchorEntry = { line: number; anchor: Anchor } | { line: number; unreadable: string };

export interface AnchorLog {
  /** Where the anchors are (shown by verify). */
  readonly location: string;
  append(anchor: Anchor): void;
  read(): AnchorEntry[];
}

function anchorOf(value: unknown): Anchor | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v.seq) || typeof v.chainHash !== 'string' || typeof v.createdAt !== 'string' || typeof v.signature !== 'string') return null;
  return { seq: v.seq as number, chainHash: v.chainHash, createdAt: v.createdAt, signature: v.signature };
}

export function parseAnchors(text: string): AnchorEntry[] {
  const entries: AnchorEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let anchor: Anchor | null;
    try {
      anchor = anchorOf(JSON.parse(raw));
    } catch {
      anchor = null;
    }
    entries.push(anchor ? { line: i + 1, anchor } : { line: i + 1, unreadable: raw.slice(0, 80) });
  });
  return entries;
}

/** The anchor file: appended and flushed to disk line by line, never rewritten. */
export class FileAnchorLog implements AnchorLog {
  constructor(readonly location: string) {}

  append(anchor: Anchor): void {
    mkdirSync(path.dirname(this.location), { recursive: true });
    const fd = openSync(this.location, 'a', 0o600);
    try {
      appendFileSync(fd, `${JSON.stringify(anchor)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  read(): AnchorEntry[] {
    return existsSync(this.location) ? parseAnchors(readFileSync(this.location, 'utf8')) : [];
  }
}

/** Anchors kept in memory (tests, and a server started without an anchor file). */
export class MemoryAnchorLog implements AnchorLog {
  readonly location = '(メモリ内)';
  private readonly lines: string[] = [];

  append(anchor: Anchor): void {
    this.lines.push(JSON.stringify(anchor));
  }

  read(): AnchorEntry[] {
    return parseAnchors(this.lines.join('\n'));
  }
}
