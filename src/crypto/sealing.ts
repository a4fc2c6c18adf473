import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const algorithm = 'aes-256-gcm';
const keyLength = 32;
const ivLength = 12;
const tagLength = 16;

/** AES-256-GCM: iv ‖ tag ‖ ciphertext, bound to `associatedData` so a sealed value cannot be moved to another row. */
export function seal(key: Buffer, plaintext: Buffer, associatedData: string, iv: Buffer = randomBytes(ivLength)): Buffer {
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

/** A transfer's payload sealed under a data key of its own, and that key wrapped by the master key. */
export interface SealedPayload {
  wrappedKey: Buffer;
  sealedPayload: Buffer;
}

const keyContext = (transferId: string) => `data-key:${transferId}`;

/**
 * Seals a transfer's payload under a fresh data key, which leaves only wrapped by the master key: the
 * plaintext key is wiped before this returns. Destroying the wrapped key (erasure) shreds the payload.
 */
export function sealPayload(masterKey: Buffer, transferId: string, plaintext: Buffer): SealedPayload {
  // The data key and both IVs in one draw: each call into OpenSSL's generator costs as much as a few hundred bytes.
  const random = randomBytes(keyLength + 2 * ivLength);
  const dataKey = random.subarray(0, keyLength);
  try {
    return {
      wrappedKey: seal(masterKey, dataKey, keyContext(transferId), random.subarray(keyLength, keyLength + ivLength)),
      sealedPayload: seal(dataKey, plaintext, transferId, random.subarray(keyLength + ivLength)),
    };
  } finally {
    random.fill(0);
  }
}

/** The payload of `sealPayload`; the unwrapped data key is wiped before this returns. */
export function unsealPayload(masterKey: Buffer, transferId: string, { wrappedKey, sealedPayload }: SealedPayload): Buffer {
  const dataKey = unseal(masterKey, wrappedKey, keyContext(transferId));
  try {
    return unseal(dataKey, sealedPayload, transferId);
  } finally {
    dataKey.fill(0);
  }
}

/** Keyed hash of a subject id: lets the log be searched by subject without holding the id. */
export function subjectHash(hashKey: Buffer, subjectId: string): string {
  return createHmac('sha256', hashKey).update(subjectId).digest('hex');
}
