import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto';

const poolSize = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * Fresh random bytes (IVs, data keys) cut from a pool that is refilled 4 KB at a time: each call into
 * OpenSSL costs about as much as 4 KB of output, and intake draws three small values per request. Node's
 * randomUUID pools its randomness the same way. Every byte is handed out once.
 */
export function randomBytesFromPool(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(Math.max(poolSize, size)));
    poolOffset = 0;
  }
  poolOffset += size;
  return pool.subarray(poolOffset - size, poolOffset);
}

const algorithm = 'aes-256-gcm';
const ivLength = 12;
const tagLength = 16;

/** AES-256-GCM: iv ‖ tag ‖ ciphertext, bound to `associatedData` so a sealed value cannot be moved to another row. */
export function seal(key: Buffer, plaintext: Buffer, associatedData: string): Buffer {
  const iv = randomBytesFromPool(ivLength);
  const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagLength });
  cipher.setAAD(Buffer.from(associatedData));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

export function unseal(key: Buffer, sealed: Buffer, associatedData: string): Buffer {
  const iv = sealed.subarray(0, ivLength);
  const tag = sealed.subarray(ivLength, ivLength + tagLength);
  const decipher = createDecipheriv(algorithm, key, iv, { authTagLength: tagLength });
  decipher.setAAD(Buffer.from(associatedData));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(ivLength + tagLength)), decipher.final()]);
}

/** Keyed hash of a subject id: lets the log be searched by subject without holding the id. */
export function subjectHash(hashKey: Buffer, subjectId: string): string {
  return createHmac('sha256', hashKey).update(subjectId).digest('hex');
}
