import { createChildGatewayFixture, type ChildGatewayFixture } from '../support/child-gateway';
import { api, registerBody } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';

// Issue #3 point 6: SIGTERM (a deploy, a scale-down) while a delivery is on its way. The process stops
// taking work, lets the delivery finish and record its outcome, and exits 0 — nothing abandoned.

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
