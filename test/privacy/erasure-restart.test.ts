import { startSecondWorker } from '../support/second-worker';
import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { redisDump, uniqueName, waitFor } from '../support/services';
import { erasureQueueName } from '../../src/queue/erasure-queues';
import { Queue } from 'bullmq';

// Issue 12, point 3: the supplier step lives in Redis (jobs, ids only) and PostgreSQL (state), not in a worker:
// an erasure asked while no worker runs is carried out by the worker that starts next.

let gateway: TestGateway;
beforeAll(async () => {
  // The API alone; workers come and go beside it.
  gateway = await startTestGateway({ env: { role: 'api' } });
});
afterAll(() => gateway.close());

test('an erasure started while the workers are down is queued in Redis and finished by the worker that comes back', async () => {
  const subject = uniqueName('cust-r-');
  const first = await startSecondWorker(gateway);
  const accepted = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(subject), headers: { 'idempotency-key': uniqueName('restart-') } });
  await transferStatus(gateway, accepted.json.id, ['delivered']);
  await first.close();

  const started = await api(gateway, 'POST', `/v1/subjects/${subject}/erasure`, { token: gateway.keys.privacy, body: { reference: 'ticket-1', reason: 'objection' } });
  expect(started.json).toMatchObject({ status: 'running', recipients: [{ supplier: 'openprovider', status: 'queued' }] });
  const queue = new Queue(erasureQueueName('openprovider'), { connection: gateway.redis, prefix: gateway.env.queuePrefix });
  try {
    expect((await queue.getJob(started.json.id))?.data).toEqual({ erasureId: started.json.id });
  } finally {
    await queue.close();
  }
  expect(await redisDump(gateway.env.queuePrefix)).not.toContain(subject);

  const second = await startSecondWorker(gateway);
  try {
    const done = await waitFor(async () => {
      const statement = (await api(gateway, 'GET', `/v1/erasures/${started.json.id}`, { token: gateway.keys.privacy })).json;
      return statement.status === 'completed' && statement;
    }, 'the restarted worker to finish the erasure');
    expect(done.recipients).toMatchObject([{ status: 'retained', attempts: 1, records: [{ transferId: accepted.json.id, status: 'retained' }] }]);
  } finally {
    await second.close();
  }
});
