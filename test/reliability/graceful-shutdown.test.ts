import net from 'node:net';
import IORedis from 'ioredis';
import { deliveryQueueName } from '../../src/queue/queues';
import { createChildGatewayFixture, type ChildGatewayFixture } from '../support/child-gateway';
import { api, registerBody } from '../support/gateway';
import { testRedisUrl, uniqueName, waitFor } from '../support/services';

// Issue #3 point 6: SIGTERM (a deploy, a scale-down) while a delivery is on its way, or while transfer
// requests are under way. The process stops taking work, lets what it took finish and record its outcome,
// and exits 0 — nothing abandoned.

/** How long DeliveryWorkers.close lets running deliveries finish before aborting them. */
const graceMs = 10_000;

let fixture: ChildGatewayFixture;
beforeAll(async () => {
  fixture = await createChildGatewayFixture();
});
afterAll(() => fixture.close());

test('SIGTERM mid-delivery: the delivery finishes and is recorded, then the process exits 0 within the grace period', async () => {
  const { sandbox } = fixture;
  const gateway = await fixture.start();
  const supplierLatencyMs = 1500;
  sandbox.setLatency(supplierLatencyMs);
  const body = registerBody();
  const accepted = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('term-') } });
  expect(accepted.status).toBe(202);

  await waitFor(async () => (sandbox.requests()['POST /domains'] ?? 0) >= 1, 'the domain request to reach the sandbox');
  const signalledAt = Date.now();
  gateway.process.kill('SIGTERM');
  expect(await gateway.exited).toEqual({ code: 0, signal: null });
  expect(Date.now() - signalledAt).toBeLessThan(graceMs);

  const [transfer] = await fixture.query('select status, attempts, supplier_reference from transfers where id = $1', [accepted.json.id]);
  const [domain, ...more] = sandbox.domains().filter((registered) => registered.name === body.data.domain);
  expect(more).toEqual([]);
  expect(transfer).toEqual({ status: 'delivered', attempts: 1, supplier_reference: String(domain.id) });
  expect(sandbox.requests()['POST /domains']).toBe(1);
  const entries = await fixture.query<{ entry: Record<string, unknown> }>(`select entry from share_log where entry ->> 'transferId' = $1 order by seq`, [accepted.json.id]);
  expect(entries.map(({ entry }) => entry)).toEqual([
    expect.objectContaining({ event: 'delivery.attempted', attempt: 1 }),
    expect.objectContaining({ event: 'delivery.succeeded', attempt: 1, confirmedBy: 'delivery' }),
  ]);
}, 60_000);

/** Sends a transfer request on its own connection and hangs up as soon as it is written, without waiting for the answer. */
function postAndHangUp(url: string, token: string): Promise<void> {
  const { port } = new URL(url);
  const body = JSON.stringify(registerBody());
  const request = [
    'POST /v1/transfers HTTP/1.1',
    'Host: 127.0.0.1',
    `Authorization: Bearer ${token}`,
    'Content-Type: application/json',
    `Idempotency-Key: ${uniqueName('hangup-')}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(request, () => resolve()));
    socket.on('error', reject);
  });
}

test('SIGTERM while transfer requests are under way, their callers gone: each is finished (row and job), nothing fails, exit 0', async () => {
  const gateway = await fixture.start({ SGW_ROLE: 'api' });
  // Every intake batch takes a second to commit, so that requests are still under way when SIGTERM comes.
  await fixture.query(`create function slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(1); return null; end $$`);
  await fixture.query('create trigger slow_commit after insert on transfers for each statement execute function slow_commit()');
  try {
    await Promise.all(Array.from({ length: 50 }, () => postAndHangUp(gateway.url, fixture.keys.provisioning)));
    await waitFor(async () => (await fixture.query(`select 1 from pg_stat_activity where state = 'active' and query like '%sgw_accept_transfers%'`)).length > 0, 'an intake batch to be writing');
    const [{ count: committedAtSigterm }] = await fixture.query<{ count: string }>(`select count(*) from transfers where idempotency_key like 'hangup-%'`);
    gateway.process.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });

    expect(Number(committedAtSigterm)).toBe(0);
    expect(gateway.output()).not.toMatch(/"level":"error"/);
    const transfers = await fixture.query<{ id: string }>(`select id from transfers where idempotency_key like 'hangup-%'`);
    expect(transfers.length).toBeGreaterThan(0);
    const redis = new IORedis(testRedisUrl);
    try {
      const jobs = await Promise.all(transfers.map(({ id }) => redis.exists(`${fixture.queuePrefix}:${deliveryQueueName('openprovider')}:${id}`)));
      expect(jobs.filter((exists) => !exists)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  } finally {
    await fixture.query('drop trigger slow_commit on transfers');
  }
}, 60_000);
