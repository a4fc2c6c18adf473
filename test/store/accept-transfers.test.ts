import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'pg';
import type { Database } from '../../src/store';
import { migrate, migrationsDir } from '../../src/store/migrate';
import { connectTo, databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases';
import { uniqueName } from '../support/services';

/** One row of the batch `Intake` hands to sgw_accept_transfers, with made-up ids and bytes. */
function item(overrides: Record<string, unknown> = {}) {
  const transferId = randomUUID();
  return {
    transferId,
    apiKeyId: 'key-provisioning',
    idempotencyKey: uniqueName('idem-'),
    requestHash: 'request-hash-1',
    subjectHash: uniqueName('subject-hash-'),
    subjectKeyId: randomUUID(),
    wrappedKey: randomBytes(60).toString('base64'),
    supplier: 'openprovider',
    operation: 'domain.register',
    schemaId: 'https://schemas.supplier-gateway.local/openprovider/v1/domain.register.request.schema.json',
    agreementReference: 'DPA-TEST',
    purpose: 'domain_registration',
    basisType: 'contract',
    basisReference: 'order-1',
    fieldsShared: ['/data/domain'],
    fieldsWithheld: ['/data/registrant/dateOfBirth'],
    categories: ['user.unique_id'],
    sealedPayload: randomBytes(48).toString('base64'),
    ...overrides,
  };
}
type Item = ReturnType<typeof item>;

/** The 202 answer a replay gets again, rebuilt from the stored transfer. */
const responseOf = (first: Item) => ({
  id: first.transferId,
  status: 'queued',
  supplier: first.supplier,
  operation: first.operation,
  fieldsShared: first.fieldsShared,
  fieldsWithheld: first.fieldsWithheld,
});

type Outcome = { outcome: string; response?: unknown; status?: string; subjectKeyId?: string; wrappedKey?: string };

async function accept(db: Database, items: Item[]): Promise<Outcome[]> {
  const [{ outcomes }] = await db.query<{ outcomes: Outcome[] }>('select sgw_accept_transfers($1::jsonb) as outcomes', [JSON.stringify(items)]);
  return outcomes;
}

/** A retry of `first`: same caller and key, a new transfer id (as Intake makes one per request). */
const retryOf = (first: Item, overrides: Record<string, unknown> = {}) =>
  item({ apiKeyId: first.apiKeyId, idempotencyKey: first.idempotencyKey, subjectHash: first.subjectHash, subjectKeyId: first.subjectKeyId, wrappedKey: undefined, ...overrides });

describe.each(databaseKinds)('sgw_accept_transfers on %s', (kind) => {
  let database: TestDatabase;
  let db: Database;
  const count = async (sql: string, params: unknown[]) => Number((await db.query<{ n: string }>(`select count(*) as n ${sql}`, params))[0].n);

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    db = database.db;
    await migrate(db);
  });
  afterAll(() => database.close());

  test('created: stores the subject key and the transfer (sealed bytes as given) with its idempotency key', async () => {
    const first = item();
    expect(await accept(db, [first])).toEqual([{ outcome: 'created' }]);
    const [transfer] = await db.query<{ status: string; sealed_payload: Uint8Array; subject_key_id: string; idempotency_key: string; request_hash: string }>(
      'select status, sealed_payload, subject_key_id, idempotency_key, request_hash from transfers where id = $1',
      [first.transferId],
    );
    expect(transfer).toMatchObject({ status: 'queued', idempotency_key: first.idempotencyKey, request_hash: first.requestHash });
    expect(Buffer.from(transfer.sealed_payload).toString('base64')).toBe(first.sealedPayload);
    expect(transfer.subject_key_id).toBe(first.subjectKeyId);
    const [key] = await db.query<{ wrapped_key: Uint8Array }>('select wrapped_key from subject_keys where id = $1', [first.subjectKeyId]);
    expect(Buffer.from(key.wrapped_key).toString('base64')).toBe(first.wrappedKey);
  });

  test('replay: the same request hash gets the first response and the current status; nothing new is stored', async () => {
    const first = item();
    await accept(db, [first]);
    await db.query(`update transfers set status = 'delivered' where id = $1`, [first.transferId]);
    const again = retryOf(first);
    expect(await accept(db, [again])).toEqual([{ outcome: 'replay', response: responseOf(first), status: 'delivered' }]);
    expect(await count('from transfers where id = $1', [again.transferId])).toBe(0);
  });

  test('mismatch: another request hash under the same key is refused; nothing new is stored', async () => {
    const first = item();
    await accept(db, [first]);
    const other = retryOf(first, { requestHash: 'request-hash-2' });
    expect(await accept(db, [other])).toEqual([{ outcome: 'mismatch', response: responseOf(first), status: 'queued' }]);
    expect(await count('from transfers where id = $1', [other.transferId])).toBe(0);
  });

  test('keys are per API key: the same Idempotency-Key from another caller is a new transfer', async () => {
    const first = item();
    await accept(db, [first]);
    expect(await accept(db, [item({ idempotencyKey: first.idempotencyKey, apiKeyId: 'key-admin' })])).toEqual([{ outcome: 'created' }]);
  });

  test('rekey: another writer created the subject key first; answered with that key, nothing is stored until the caller seals again with it', async () => {
    const subjectHash = uniqueName('subject-hash-');
    const concurrentKeyId = randomUUID();
    const concurrentWrappedKey = randomBytes(60);
    await db.query('insert into subject_keys (id, subject_hash, wrapped_key) values ($1, $2, $3)', [concurrentKeyId, subjectHash, concurrentWrappedKey]);
    const late = item({ subjectHash });
    const [rekey] = await accept(db, [late]);
    expect(rekey).toMatchObject({ outcome: 'rekey', subjectKeyId: concurrentKeyId });
    // PostgreSQL's base64 breaks lines every 76 characters; the bytes are what count.
    expect(Buffer.from(rekey.wrappedKey!, 'base64')).toEqual(concurrentWrappedKey);
    expect(await count('from transfers where id = $1', [late.transferId])).toBe(0);
    expect(await count('from transfers where idempotency_key = $1', [late.idempotencyKey])).toBe(0);
    expect(await count('from subject_keys where subject_hash = $1', [subjectHash])).toBe(1);

    const resealed = item({ ...late, transferId: randomUUID(), subjectKeyId: concurrentKeyId, wrappedKey: undefined });
    expect(await accept(db, [resealed])).toEqual([{ outcome: 'created' }]);
  });

  test('rekey without a key: a key destroyed by an erasure is never used again', async () => {
    const first = item();
    await accept(db, [first]);
    await db.query('update subject_keys set wrapped_key = null, destroyed_at = now() where id = $1', [first.subjectKeyId]);
    const next = item({ subjectHash: first.subjectHash, subjectKeyId: first.subjectKeyId, wrappedKey: undefined });
    expect(await accept(db, [next])).toEqual([{ outcome: 'rekey' }]);
    // An intake thread that made the key may still send it wrapped, as a new key: it is not stored again.
    expect(await accept(db, [{ ...next, transferId: randomUUID(), wrappedKey: first.wrappedKey }])).toEqual([{ outcome: 'rekey' }]);
    expect(await accept(db, [item({ subjectHash: first.subjectHash })])).toEqual([{ outcome: 'created' }]);
  });

  test("a returning subject's key is found by its index, not by scanning every subject's key", async () => {
    const returning = item();
    await accept(db, [returning]);
    await db.query(`insert into subject_keys (id, subject_hash, wrapped_key) select gen_random_uuid(), 'other-subject-' || n, '\\x00' from generate_series(1, 5000) n`);
    await db.query('analyze subject_keys');
    const scans = await db.transaction(async (tx) => {
      // This backend's counts not yet reported include earlier statements: compare before and after.
      const seqScans = async () => Number((await tx.query<{ n: string }>(`select seq_scan as n from pg_stat_xact_user_tables where relname = 'subject_keys'`))[0].n);
      const before = await seqScans();
      const [{ outcomes }] = await tx.query<{ outcomes: Outcome[] }>('select sgw_accept_transfers($1::jsonb) as outcomes', [
        JSON.stringify([item({ subjectHash: returning.subjectHash, subjectKeyId: returning.subjectKeyId, wrappedKey: undefined }), item()]),
      ]);
      expect(outcomes).toEqual([{ outcome: 'created' }, { outcome: 'created' }]);
      return (await seqScans()) - before;
    });
    expect(scans).toBe(0);
  });

  test('within one batch: a duplicate replays or mismatches the item before it, and a shared new key is stored once', async () => {
    const first = item();
    const other = item();
    const sameSubject = item({ subjectHash: first.subjectHash, subjectKeyId: first.subjectKeyId, wrappedKey: first.wrappedKey });
    const outcomes = await accept(db, [first, retryOf(first), other, retryOf(other, { requestHash: 'request-hash-2' }), sameSubject]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['created', 'replay', 'created', 'mismatch', 'created']);
    expect(await count('from subject_keys where subject_hash = $1', [first.subjectHash])).toBe(1);
  });

  test('upgrading from 001: a transfer accepted before keeps its Idempotency-Key, so a retry still replays', async () => {
    const old = await openTestDatabase(kind);
    try {
      await old.db.exec(readFileSync(path.join(migrationsDir, '001_initial.sql'), 'utf8'));
      await old.db.query(`create table schema_migrations (name text primary key, applied_at timestamptz not null default now())`);
      await old.db.query(`insert into schema_migrations (name) values ('001_initial.sql')`);
      const first = item();
      const response = responseOf(first);
      await old.db.query('select sgw_accept_transfers($1::jsonb)', [JSON.stringify([{ ...first, response }])]);

      expect(await migrate(old.db)).toEqual(['002_idempotency_on_transfers.sql', '003_accept_by_index.sql']);
      expect(await accept(old.db, [retryOf(first)])).toEqual([{ outcome: 'replay', response, status: 'queued' }]);
      expect(await accept(old.db, [retryOf(first, { requestHash: 'request-hash-2' })])).toEqual([{ outcome: 'mismatch', response, status: 'queued' }]);
    } finally {
      await old.close();
    }
  });

  if (kind === 'postgres') {
    describe('in_flight: another session holds the idempotency claim', () => {
      let other: Client;
      beforeAll(async () => {
        other = await connectTo(database.schema!);
      });
      afterAll(() => other.end());

      test('the held item is in_flight and stores nothing; the others in the batch go on; after release it is created', async () => {
        const held = item();
        const free = item();
        await other.query('begin');
        await other.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`${held.apiKeyId}:${held.idempotencyKey}`]);
        try {
          expect(await accept(db, [held, free])).toEqual([{ outcome: 'in_flight' }, { outcome: 'created' }]);
          expect(await count('from transfers where id = $1', [held.transferId])).toBe(0);
        } finally {
          await other.query('rollback');
        }
        expect(await accept(db, [held])).toEqual([{ outcome: 'created' }]);
      });
    });
  }
});
