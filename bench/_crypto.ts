import { createCipheriv, createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { Keyring, newKeyFile } from '../src/security/keyring.js';
const kf = newKeyFile(); const keyring = new Keyring(kf);
const N = 100000;
const cpu = (f: () => void) => { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); return ((c.user + c.system) / 1e6).toFixed(3); };
const key = Buffer.from(kf.dataKeys.k1!, 'base64'); const bkey = Buffer.from(kf.blindIndexKey, 'base64');
const keyObj = createSecretKey(key); const bkeyObj = createSecretKey(bkey);
let pool = Buffer.alloc(0); let off = 0;
const nonce = () => { if (off + 12 > pool.length) { pool = randomBytes(12 * 4096); off = 0; } const n = pool.subarray(off, off + 12); off += 12; return n; };
function enc2(plain: string, aad: string, keyId: string) {
  const n = nonce(); const c = createCipheriv('aes-256-gcm', keyObj, n);
  c.setAAD(Buffer.from(`${aad}|${keyId}`));
  const ct = c.update(plain, 'utf8'); c.final();
  return Buffer.concat([n, c.getAuthTag(), ct]).toString('base64');
}
for (let r = 0; r < 2; r++) {
console.log('randomBytes(12)x', cpu(() => { for (let i = 0; i < N; i++) randomBytes(12); }));
console.log('keyring.encrypt', cpu(() => { for (let i = 0; i < N; i++) keyring.encrypt('991234567890', `person_my_number|${i}`); }));
console.log('keyring.blindIndex', cpu(() => { for (let i = 0; i < N; i++) keyring.blindIndex('991234567890'); }));
console.log('enc pooled nonce + keyobj', cpu(() => { for (let i = 0; i < N; i++) enc2('991234567890', `person_my_number|${i}`, 'k1'); }));
console.log('hmac keyobj', cpu(() => { for (let i = 0; i < N; i++) createHmac('sha256', bkeyObj).update('991234567890').digest('base64'); }));
}
