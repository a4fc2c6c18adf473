import { randomUUID } from 'node:crypto';
import { randomBytesFromPool, seal, unseal } from '../crypto/sealing';
import type { Queryable } from '../store';

export interface SubjectKey {
  id: string;
  subjectHash: string;
  dataKey: Buffer;
  /** The data key sealed by the master key, as stored. */
  wrappedKey: Buffer;
  /** False for a fresh key the database does not hold yet. */
  stored: boolean;
}

/** A subject key as the database keeps it: its id and its data key wrapped by the master key, in base64. */
export interface WrappedSubjectKey {
  id: string;
  wrappedKey: string;
}

export function wrappedForm(key: SubjectKey): WrappedSubjectKey {
  return { id: key.id, wrappedKey: key.wrappedKey.toString('base64') };
}

/** Per-subject data keys, wrapped by the master key; destroying one shreds every payload sealed with it. */
export class SubjectKeys {
  constructor(private readonly masterKey: Buffer) {}

  /** A fresh key; the intake stores it with the subject's first transfer unless the subject already has one. */
  create(subjectHash: string): SubjectKey {
    const dataKey = randomBytesFromPool(32);
    return { id: randomUUID(), subjectHash, dataKey, wrappedKey: seal(this.masterKey, dataKey, subjectHash), stored: false };
  }

  /** A stored key, opened. */
  open(id: string, subjectHash: string, wrappedKey: Buffer): SubjectKey {
    return { id, subjectHash, wrappedKey, dataKey: unseal(this.masterKey, wrappedKey, subjectHash), stored: true };
  }

  /** The data key a transfer was sealed with, or null once it is destroyed (erasure). */
  async dataKey(db: Queryable, keyId: string): Promise<Buffer | null> {
    const [row] = await db.query<{ subject_hash: string; wrapped_key: Uint8Array | null }>(
      'select subject_hash, wrapped_key from subject_keys where id = $1',
      [keyId],
    );
    return row?.wrapped_key ? this.open(keyId, row.subject_hash, Buffer.from(row.wrapped_key)).dataKey : null;
  }
}
