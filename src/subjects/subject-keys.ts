import { randomBytes, randomUUID } from 'node:crypto';
import { seal, unseal } from '../crypto/sealing';
import type { Queryable } from '../store';

export interface SubjectKey {
  id: string;
  subjectHash: string;
  dataKey: Buffer;
  /** Set when the key is new and must be stored with the first transfer that uses it. */
  wrappedKey?: Buffer;
}

/** Per-subject data keys, wrapped by the master key; destroying one shreds every payload sealed with it. */
export class SubjectKeys {
  constructor(private readonly masterKey: Buffer) {}

  /** The active key of each subject, or a new one (not yet stored) for subjects without one. */
  async keysFor(db: Queryable, subjectHashes: string[]): Promise<Map<string, SubjectKey>> {
    const unique = [...new Set(subjectHashes)];
    const rows = await db.query<{ id: string; subject_hash: string; wrapped_key: Uint8Array }>(
      'select id, subject_hash, wrapped_key from subject_keys where subject_hash = any($1) and destroyed_at is null',
      [unique],
    );
    const keys = new Map<string, SubjectKey>();
    for (const row of rows) {
      keys.set(row.subject_hash, { id: row.id, subjectHash: row.subject_hash, dataKey: this.unwrap(Buffer.from(row.wrapped_key), row.subject_hash) });
    }
    for (const subjectHash of unique) {
      if (keys.has(subjectHash)) continue;
      const dataKey = randomBytes(32);
      keys.set(subjectHash, { id: randomUUID(), subjectHash, dataKey, wrappedKey: seal(this.masterKey, dataKey, subjectHash) });
    }
    return keys;
  }

  /** The data key a transfer was sealed with, or null once it is destroyed (erasure). */
  async dataKey(db: Queryable, keyId: string): Promise<Buffer | null> {
    const [row] = await db.query<{ subject_hash: string; wrapped_key: Uint8Array | null }>(
      'select subject_hash, wrapped_key from subject_keys where id = $1',
      [keyId],
    );
    return row?.wrapped_key ? this.unwrap(Buffer.from(row.wrapped_key), row.subject_hash) : null;
  }

  private unwrap(wrapped: Buffer, subjectHash: string): Buffer {
    return unseal(this.masterKey, wrapped, subjectHash);
  }
}
