import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { Database } from '../../src/store';
import { migrate } from '../../src/store/migrate';
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
    wrappedKey: randomBytes(60).toString('base64'),
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

type Outcome = { outcome: string; response?: unknown; status?: string };

async function accept(db: Database, items: Item[]): Promise<Outcome[]> {
  const [{ outcomes }] = await db.query<{ outcomes: Outcome[] }>('select sgw_accept_transfers($1::jsonb) as outcomes', [JSON.stringify(items)]);
  return outcomes;
}

/** A retry of `first`: same caller and key, a new transfer id (as Intake makes one per request). */
const retryOf = (first: Item, overrides: Record<string, unknown> = {}) =>
  item({ apiKeyId: first.apiKeyId, idempotencyKey: first.idempotencyKey, subjectHash: first.subjectHash, ...overrides });

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

  test('created: stores the transfer with its wrapped data key and sealed bytes as given, and its idempotency key', async () => {
    const first = item();
    expect(await accept(db, [first])).toEqual([{ outcome: 'created' }]);
    const [transfer] = await db.query<{ status: string; wrapped_key: Uint8Array; sealed_payload: Uint8Array; idempotency_key: string; request_hash: string }>(
      'select status, wrapped_key, sealed_payload, idempotency_key, request_hash from transfers where id = $1',
      [first.transferId],
    );
    expect(transfer).toMatchObject({ status: 'queued', idempotency_key: first.idempotencyKey, request_hash: first.requestHash });
    expect(Buffer.from(transfer.wrapped_key).toString('base64')).toBe(first.wrappedKey);
    expect(Buffer.from(transfer.sealed_payload).toString('base64')).toBe(first.sealedPayload);
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

  test('within one batch: a duplicate replays or mismatches the item before it; another transfer of the same subject is a row of its own', async () => {
    const first = item();
    const other = item();
    const outcomes = await accept(db, [first, retryOf(first), other, retryOf(other, { requestHash: 'request-hash-2' }), item({ subjectHash: first.subjectHash })]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['created', 'replay', 'created', 'mismatch', 'created']);
    expect(await count('from transfers where subject_hash = $1', [first.subjectHash])).toBe(2);
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
