import { createCipheriv, createDecipheriv, createHmac, hkdfSync, createSecretKey, generateKeyPairSync, randomBytes, sign, verify, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The key file: every secret that must live outside the database (so that a database administrator
 * alone cannot read My Numbers or forge audit checkpoints). In production it is provisioned by the
 * city's key custodian (or replaced by an HSM/KMS adapter); for the demo it is created on first start.
 *
 *  - dataKeys: AES-256-GCM keys by id; `activeDataKey` encrypts new values, the others only decrypt.
 *  - blindIndexKey: HMAC-SHA-256 key for exact-match My Number lookup (the index is 特定個人情報 too).
 *  - auditSigningKey: Ed25519 private key that signs audit checkpoints. The HMAC key of each audit record
 *    (row_mac) is derived from it (HKDF-SHA-256), so the same custodian holds both.
 */
const b64key = z.string().refine((s) => Buffer.from(s, 'base64').length === 32, '32バイトの鍵(base64)が必要です');
const KeyFileSchema = z.object({
  version: z.literal(1),
  dataKeys: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), b64key),
  activeDataKey: z.string(),
  blindIndexKey: b64key,
  auditSigningKey: z.string().startsWith('-----BEGIN PRIVATE KEY-----'),
});
export type KeyFile = z.infer<typeof KeyFileSchema>;

export function newKeyFile(): KeyFile {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    version: 1,
    dataKeys: { k1: randomBytes(32).toString('base64') },
    activeDataKey: 'k1',
    blindIndexKey: randomBytes(32).toString('base64'),
    auditSigningKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export function writeKeyFile(file: string, keys: KeyFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(keys, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
}

/** Read the key file, creating it when `create` is set and it does not exist yet. */
export function loadKeyFile(file: string, opts: { create?: boolean } = {}): KeyFile {
  if (!existsSync(file)) {
    if (!opts.create) throw new Error(`鍵ファイルがありません: ${file}`);
    writeKeyFile(file, newKeyFile());
  }
  const parsed = KeyFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`鍵ファイルが不正です: ${parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`);
  if (!parsed.data.dataKeys[parsed.data.activeDataKey]) throw new Error('鍵ファイルが不正です: activeDataKey が dataKeys にありません');
  return parsed.data;
}

export class Keyring {
  readonly activeKeyId: string;
  private readonly dataKeys: Map<string, KeyObject>;
  private readonly blindKey: KeyObject;
  /** Random nonces drawn from the CSPRNG in blocks (one call per 4,096 values instead of one each). */
  private noncePool = Buffer.alloc(0);
  private nonceOffset = 0;
  private readonly signingKey: ReturnType<typeof createPrivateKey>;
  readonly auditPublicKey: ReturnType<typeof createPublicKey>;
  private readonly auditMacKey: KeyObject;

  constructor(keys: KeyFile) {
    this.activeKeyId = keys.activeDataKey;
    this.dataKeys = new Map(Object.entries(keys.dataKeys).map(([id, k]) => [id, createSecretKey(Buffer.from(k, 'base64'))]));
    this.blindKey = createSecretKey(Buffer.from(keys.blindIndexKey, 'base64'));
    this.signingKey = createPrivateKey(keys.auditSigningKey);
    this.auditPublicKey = createPublicKey(this.signingKey);
    const der = this.signingKey.export({ format: 'der', type: 'pkcs8' });
    this.auditMacKey = createSecretKey(Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), 'kokuho-audit-row-mac', 32)));
  }

  hasKey(id: string): boolean {
    return this.dataKeys.has(id);
  }

  /** AES-256-GCM with a fresh 96-bit nonce; AAD binds the value to its place and key id. */
  encrypt(plain: string, aad: string, keyId = this.activeKeyId): string {
    const key = this.dataKeys.get(keyId);
    if (!key) throw new Error(`暗号鍵 ${keyId} がありません`);
    const nonce = this.nextNonce();
    const c = createCipheriv('aes-256-gcm', key, nonce);
    c.setAAD(Buffer.from(`${aad}|${keyId}`));
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([nonce, c.getAuthTag(), ct]).toString('base64');
  }

  private nextNonce(): Buffer {
    if (this.nonceOffset + 12 > this.noncePool.length) {
      this.noncePool = randomBytes(12 * 4096);
      this.nonceOffset = 0;
    }
    const n = this.noncePool.subarray(this.nonceOffset, this.nonceOffset + 12);
    this.nonceOffset += 12;
    return n;
  }

  /** Fails closed: unknown key id or any tampering throws. */
  decrypt(blob: string, aad: string, keyId: string): string {
    const key = this.dataKeys.get(keyId);
    if (!key) throw new Error(`暗号鍵 ${keyId} がありません`);
    const buf = Buffer.from(blob, 'base64');
    const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
    d.setAAD(Buffer.from(`${aad}|${keyId}`));
    d.setAuthTag(buf.subarray(12, 28));
    return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
  }

  blindIndex(value: string): string {
    return createHmac('sha256', this.blindKey).update(value).digest('base64');
  }

  /** HMAC-SHA-256 (hex) of one audit record's canonical text. */
  auditMac(text: string): string {
    return createHmac('sha256', this.auditMacKey).update(text).digest('hex');
  }

  sign(message: string): string {
    return sign(null, Buffer.from(message), this.signingKey).toString('base64');
  }

  verifySignature(message: string, signature: string): boolean {
    return verify(null, Buffer.from(message), this.auditPublicKey, Buffer.from(signature, 'base64'));
  }
}
