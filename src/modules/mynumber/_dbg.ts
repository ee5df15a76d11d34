import { buildDeps } from '../../server.js';
import { rotateMyNumberKeys } from './key-rotation.js';
const deps = await buildDeps({ dataDir: '/tmp/mn-cli-14552/pglite', keyFile: '/tmp/mn-cli-14552/keys.json', logLevel: 'warn' });
console.log('built', deps.keyring.activeKeyId);
const c = await deps.database.db.selectFrom('person_my_number').select(['key_id']).execute();
console.log('rows', c.length, [...new Set(c.map((x) => x.key_id))]);
const t = setInterval(() => console.log('tick'), 2000);
try {
  const r = await rotateMyNumberKeys(deps, { jimu: 'nhi.eligibility', batchSize: 50, onProgress: (p) => console.log(p) });
  console.log(r);
} catch (e) { console.log('ERR', e); }
clearInterval(t);
await deps.database.close();
