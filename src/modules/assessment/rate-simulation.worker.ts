import { lawParams } from '../../platform/params/law-params.js';
import { serveRequests } from '../../platform/workers/worker-pool.js';
import { simulateRows, type SimulationRequest } from './rate-simulation.js';
import { resolveMunicipality, type Municipality } from './tax.rules.js';

/** A worker thread of the rate simulation: pages of stored versions in, their sums out (rate-simulation.ts). */
let resolved: { key: string; proposed: Municipality } | null = null;

serveRequests((m: SimulationRequest) => {
  const params = lawParams();
  const key = JSON.stringify(m.proposal);
  if (resolved?.key !== key) resolved = { key, proposed: resolveMunicipality(m.proposal, params) };
  return simulateRows(m.rows, m.nationalYear, resolved.proposed, params);
});
