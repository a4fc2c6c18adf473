import { randomBytes, randomUUID } from 'node:crypto';
import { ConfigError } from '../../src/config/config-error';
import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { startSecondWorker } from '../support/second-worker';
import { uniqueName, waitFor } from '../support/services';

/**
 * Issue 10, point 3: every outcome of the worker leaves a status, a PII-free lastError.code and one log line,
 * including failures before anything is sent; transfers that lost their job are found and queued again.
 * The API runs alone, so that the test decides what a transfer looks like before a worker takes it.
 */
const recoveryMs = 2000;
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ env: { role: 'api', recoveryMs } });
});
afterAll(() => gateway.close());

async function post() {
  const body = registerBody();
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('outcome-') } });
  expect(answer.status).toBe(202);
  return { id: answer.json.id as string, domain: body.data.domain };
}

/** A copy of a stored transfer under a new id, for a supplier this gateway does not serve: as a suppliers file that lost an entry leaves it. */
async function transferOfUnservedSupplier(of: string): Promise<string> {
  const id = randomUUID();
  await gateway.db.query(
    `insert into transfers select $2, api_key_id, $3, request_hash, 'acme', operation, schema_id, agreement_reference, subject_hash, purpose, basis_type,
       basis_reference, fields_shared, fields_withheld, categories, wrapped_key, sealed_payload, 'queued', 0, null, null, null, '{}', created_at, updated_at
     from transfers where id = $1`,
    [of, id, uniqueName('acme-')],
  );
  return id;
}

const linesAbout = (logs: string, transferId: string) => logs.split('\n').filter((line) => line.includes(transferId));

test('a start with a master key other than the database was sealed under is refused', async () => {
  await expect(startSecondWorker(gateway, {}, { masterKey: randomBytes(32) })).rejects.toThrow(
    new ConfigError('SGW_MASTER_KEY', "is not the key this database's transfers were sealed under"),
  );
});

describe('with a worker', () => {
  let worker: Awaited<ReturnType<typeof startSecondWorker>>;
  const stranded: { id: string; domain: string }[] = [];
  let unserved: string;
  let unopenable: { id: string; domain: string };
  let misrouted: string;

  beforeAll(async () => {
    // Before the worker starts: transfers whose jobs Redis lost, one of a supplier nobody serves, one whose
    // payload the master key cannot open, and a job on this supplier's queue for another supplier's transfer.
    for (let i = 0; i < 3; i++) stranded.push(await post());
    for (const { id } of stranded) await gateway.deliveryQueue.remove(id);
    unserved = await transferOfUnservedSupplier(stranded[0].id);
    unopenable = await post();
    await gateway.db.query('update transfers set wrapped_key = (select wrapped_key from transfers where id = $2) where id = $1', [unopenable.id, stranded[0].id]);
    misrouted = await transferOfUnservedSupplier(stranded[1].id);
    await gateway.deliveryQueue.add('deliver', { transferId: misrouted }, { jobId: misrouted, attempts: 8 });
    worker = await startSecondWorker(gateway);
  });
  afterAll(() => worker?.close());

  test('a payload the master key cannot open fails at once as gateway.unseal_failed, after one counted attempt, with one log line; nothing is sent', async () => {
    expect(await transferStatus(gateway, unopenable.id, ['failed', 'delivered'])).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: { code: 'gateway.unseal_failed', detail: expect.stringContaining('SGW_MASTER_KEY') },
    });
    expect(gateway.sandbox.domains().filter((domain) => domain.name === unopenable.domain)).toEqual([]);
    expect(linesAbout(worker.logs(), unopenable.id)).toEqual([expect.stringContaining('"code":"gateway.unseal_failed"')]);
  });

  test("a job for a transfer whose supplier this worker has no connector for fails as gateway.not_configured, with one log line", async () => {
    expect(await transferStatus(gateway, misrouted, ['failed', 'delivered'])).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: 'gateway.not_configured' } });
    expect(linesAbout(worker.logs(), misrouted)).toEqual([expect.stringContaining('"code":"gateway.not_configured"')]);
  });

  test('transfers that lost their job are queued again by the sweep and delivered once; one of a supplier nobody serves does not stop them', async () => {
    for (const { id, domain } of stranded) {
      expect(await transferStatus(gateway, id, ['delivered', 'failed'], 4 * recoveryMs + 10_000)).toMatchObject({ status: 'delivered' });
      expect(gateway.sandbox.domains().filter((registered) => registered.name === domain)).toHaveLength(1);
    }
    await waitFor(async () => worker.logs().includes('"message":"stranded transfers queued again"'), 'the sweep to report');
    const [row] = await gateway.db.query<{ status: string; attempts: number }>('select status, attempts from transfers where id = $1', [unserved]);
    expect(row).toEqual({ status: 'queued', attempts: 0 });
    expect(await gateway.deliveryQueue.getJob(unserved)).toBeUndefined();
  });
});
