import { ConfigError } from '../config/config-error';
import type { Queryable } from '../store';
import { seal, subjectHash, unseal } from './sealing';

const probe = 'supplier-gateway key check';

/**
 * Refuses keys other than those the database's data was sealed and hashed under: with another master key
 * every delivery would fail to unseal, with another subject hash key a subject's entries would not be found.
 * The first start records its keys' probes.
 */
export async function checkKeys(db: Queryable, masterKey: Buffer, subjectHashKey: Buffer): Promise<void> {
  await db.query('insert into key_checks (id, sealed_probe, subject_hash_probe) values (1, $1, $2) on conflict (id) do nothing', [
    seal(masterKey, Buffer.from(probe), probe),
    subjectHash(subjectHashKey, probe),
  ]);
  const [row] = await db.query<{ sealed_probe: Uint8Array; subject_hash_probe: string }>('select sealed_probe, subject_hash_probe from key_checks');
  try {
    unseal(masterKey, Buffer.from(row.sealed_probe), probe);
  } catch {
    throw new ConfigError('SGW_MASTER_KEY', "is not the key this database's transfers were sealed under");
  }
  if (row.subject_hash_probe !== subjectHash(subjectHashKey, probe)) {
    throw new ConfigError('SGW_SUBJECT_HASH_KEY', "is not the key this database's shares log was written under");
  }
}
