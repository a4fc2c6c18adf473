import type { ChildProcess } from 'node:child_process';
import { createChildGatewayFixture, type ChildGateway, type ChildGatewayFixture } from '../support/child-gateway';
import { api, registerBody, transferStatus } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';

/**
 * A worker SIGKILLed while the supplier is being asked to erase (its DELETE is at the supplier, the answer not
 * yet back): the erasure is not lost and not settled twice. Another worker asks again once the job's lock runs
 * out, the supplier's answer is recorded once, the erasure completes, and the shares log still verifies.
 */
const workerEnv = { SGW_ROLE: 'worker', SGW_RECOVERY_MS: '2000' };

let fixture: ChildGatewayFixture;
let apiProcess: ChildGateway;
beforeAll(async () => {
  fixture = await createChildGatewayFixture();
  apiProcess = await fixture.start({ SGW_ROLE: 'api' });
}, 60_000);
afterAll(() => fixture.close());

const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));

test('SIGKILL of the worker in the middle of an erase call: asked again by the next worker, answered once, completed', async () => {
  const subject = uniqueName('cust-kill-');
  let worker = fixture.launch(workerEnv);
  const accepted = await api(apiProcess, 'POST', '/v1/transfers', { token: fixture.keys.provisioning, body: registerBody(subject), headers: { 'idempotency-key': uniqueName('kill-') } });
  await transferStatus({ url: apiProcess.url, keys: fixture.keys }, accepted.json.id, ['delivered'], 60_000);

  // The supplier holds the erase call for a while, so the kill lands while it is under way.
  const deletes = () => fixture.sandbox.received().filter((request) => request.route.startsWith('DELETE /customers/'));
  fixture.sandbox.faults.inject({ kind: 'delay', delayMs: 3000, method: 'DELETE' });
  const started = await api(apiProcess, 'POST', `/v1/subjects/${subject}/erasure`, { token: fixture.keys.privacy, body: { reference: 'ticket-kill', reason: 'objection' } });
  expect(started.status).toBe(202);
  await waitFor(async () => deletes().length === 1, 'the erase call to reach the supplier', 30_000, 10);
  worker.kill('SIGKILL');
  await exited(worker);

  worker = fixture.launch(workerEnv);
  try {
    const statement = await waitFor(async () => {
      const answer = await api(apiProcess, 'GET', `/v1/erasures/${started.json.id}`, { token: fixture.keys.privacy });
      return answer.json.status === 'completed' && answer.json;
    }, 'the next worker to finish the erasure', 60_000);
    // The registry keeps a registered domain's registrant: retained, with its reason, after asking twice.
    expect(statement.recipients).toMatchObject([{ supplier: 'openprovider', status: 'retained', attempts: 2, records: [{ transferId: accepted.json.id, status: 'retained' }] }]);
    expect(deletes().length).toBeGreaterThanOrEqual(2);

    const entries = await fixture.query<{ event: string }>(`select entry ->> 'event' as event from share_log where entry ->> 'erasureId' = $1 order by seq`, [started.json.id]);
    expect(entries.map((entry) => entry.event)).toEqual(['erasure.requested', 'erasure.keys_destroyed', 'erasure.supplier_asked', 'erasure.supplier_asked', 'erasure.supplier_answered', 'erasure.completed']);
    const verified = await api(apiProcess, 'GET', '/v1/shares/verify', { token: fixture.keys.privacy });
    expect(verified.json).toMatchObject({ ok: true });
  } finally {
    worker.kill('SIGKILL');
    await exited(worker);
  }
}, 180_000);
