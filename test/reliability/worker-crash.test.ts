import { createChildGatewayFixture, type ChildGatewayFixture } from '../support/child-gateway';
import { api, registerBody, transferStatus } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';
import { sharesOfTransfer } from '../support/shares';

// Issue #3 point 6: the process dies (SIGKILL) while the domain request is on its way to the supplier.
// BullMQ notices the job's lost lock only through its stalled-job check, which runs every 30 s and needs
// two rounds to see a job whose worker died: recovery takes about a minute with production settings.

let fixture: ChildGatewayFixture;
beforeAll(async () => {
  fixture = await createChildGatewayFixture();
});
afterAll(() => fixture.close());

test('killed mid-delivery: the restarted gateway finds the domain by lookup and registers nothing twice', async () => {
  const { sandbox } = fixture;
  sandbox.setLatency(1000);
  const first = await fixture.start();
  const body = registerBody();
  const accepted = await api(first, 'POST', '/v1/transfers', { token: first.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('crash-') } });
  expect(accepted.status).toBe(202);
  const transferId: string = accepted.json.id;

  await waitFor(async () => (sandbox.requests()['POST /domains'] ?? 0) >= 1, 'the domain request to reach the sandbox');
  first.process.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
  sandbox.setLatency(0);

  // What the crash left: an attempt under way with no outcome, and the request landing at the supplier anyway.
  const [row] = await fixture.query<{ status: string; attempts: number }>('select status, attempts from transfers where id = $1', [transferId]);
  expect(row).toEqual({ status: 'delivering', attempts: 1 });
  await waitFor(async () => sandbox.domains().some((domain) => domain.name === body.data.domain), 'the in-flight registration to land');

  const second = await fixture.start();
  const delivered = await second.whileRunning(transferStatus(second, transferId, ['delivered', 'failed', 'unknown'], 100_000));
  expect(delivered).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
  const [domain, ...more] = sandbox.domains().filter((registered) => registered.name === body.data.domain);
  expect(more).toEqual([]);
  expect(sandbox.requests()['POST /domains']).toBe(1);
  expect(await sharesOfTransfer(second, body.subject.id, transferId)).toEqual([
    expect.objectContaining({ event: 'delivery.attempted', attempt: 1 }),
    expect.objectContaining({ event: 'delivery.succeeded', attempt: 2, confirmedBy: 'lookup', supplierReference: String(domain.id) }),
  ]);

  second.process.kill('SIGTERM');
  expect(await second.exited).toEqual({ code: 0, signal: null });
}, 150_000);
