import { parentPort } from 'node:worker_threads';
import { lawParams } from '../../platform/params/law-params.js';
import { simulateRows, type BaseRow, type Proposal } from './rate-simulation.js';
import { resolveMunicipality, type Municipality } from './tax.rules.js';

/** A worker thread of the rate simulation: pages of stored versions in, their sums out (rate-simulation.ts). */
let resolved: { key: string; proposed: Municipality } | null = null;

parentPort!.on('message', (m: { id: number; rows: BaseRow[]; nationalYear: number; proposal: Proposal }) => {
  try {
    const params = lawParams();
    const key = JSON.stringify(m.proposal);
    if (resolved?.key !== key) resolved = { key, proposed: resolveMunicipality(m.proposal, params) };
    parentPort!.postMessage({ id: m.id, sums: simulateRows(m.rows, m.nationalYear, resolved.proposed, params) });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
});
