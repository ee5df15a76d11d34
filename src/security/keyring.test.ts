import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Keyring, newKeyFile } from './keyring.js';

describe('Keyring (AES-256-GCM, blind index, checkpoint signatures)', () => {
  const k = new Keyring(newKeyFile());

  it('round-trips any text, with a fresh nonce every time', () => {
    fc.assert(
      fc.property(fc.string(), (plain) => {
        const a = k.encrypt(plain, 'person_my_number|1');
        const b = k.encrypt(plain, 'person_my_number|1');
        return a !== b && k.decrypt(a, 'person_my_number|1', k.activeKeyId) === plain;
      }),
    );
  });

  it('never repeats a nonce over many values (nonces come from the CSPRNG in blocks)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(Buffer.from(k.encrypt('x', 'a'), 'base64').subarray(0, 12).toString('hex'));
    expect(seen.size).toBe(20_000);
  });

  it('fails closed: another row (AAD), a changed byte or an unknown key id does not decrypt', () => {
    const c = k.encrypt('999999999999', 'person_my_number|100000001');
    expect(() => k.decrypt(c, 'person_my_number|100000002', k.activeKeyId)).toThrow();
    const bytes = Buffer.from(c, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => k.decrypt(bytes.toString('base64'), 'person_my_number|100000001', k.activeKeyId)).toThrow();
    expect(() => k.decrypt(c, 'person_my_number|100000001', 'k9')).toThrow(/暗号鍵 k9/);
  });

  it('blind index: equal numbers give equal indexes, and another key gives another index', () => {
    const other = new Keyring(newKeyFile());
    expect(k.blindIndex('123456789018')).toBe(k.blindIndex('123456789018'));
    expect(k.blindIndex('123456789018')).not.toBe(k.blindIndex('983205673214'));
    expect(other.blindIndex('123456789018')).not.toBe(k.blindIndex('123456789018'));
  });

  it('signs checkpoints verifiably, and a changed message fails', () => {
    const sig = k.sign('checkpoint 5 abc');
    expect(k.verifySignature('checkpoint 5 abc', sig)).toBe(true);
    expect(k.verifySignature('checkpoint 6 abc', sig)).toBe(false);
  });
});
