import { Keyring, newKeyFile } from '../src/security/keyring.js';
import { generateChunk } from '../src/demo/chunk.js';
const keyring = new Keyring(newKeyFile());
const N = Number(process.env.N ?? 100000); const C = 10000;
const ctx = { seed: 1, keyring, actorLabel: 'operator:x@y/bench/z' };
await generateChunk(ctx, { index: 99, atenaFrom: 1, size: C, householdFrom: 1 });
const t0 = performance.now(); const c0 = process.cpuUsage();
let bytes = 0;
for (let i = 0; i < N / C; i++) { const d = await generateChunk(ctx, { index: i, atenaFrom: 100000001 + i * C, size: C, householdFrom: 500000001 + i * C }); for (const v of Object.values(d.tsv)) bytes += v.length; }
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ N, wall: ((performance.now() - t0) / 1000).toFixed(2), cpu: ((c.user + c.system) / 1e6).toFixed(2), bytes }));
// crypto alone
const t1 = process.cpuUsage();
for (let i = 0; i < N; i++) { keyring.encrypt('991234567890', `person_my_number|${i}`); keyring.blindIndex('991234567890'); }
const c1 = process.cpuUsage(t1); console.log('crypto cpu', ((c1.user + c1.system) / 1e6).toFixed(2));
