import { randomBytes } from 'node:crypto';
import type { Gateway } from '../../src/gateway';
import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { scrape } from '../support/metrics';
import { startSecondWorker } from '../support/second-worker';
import { uniqueName } from '../support/services';

// Issue 11, point 7: SGW_METRICS_TOKEN, and processes split by role (SGW_ROLE=api, SGW_ROLE=worker), each
// scraped on its own listener.

const metricsToken = randomBytes(32).toString('base64');
let gateway: TestGateway;
let worker: Gateway;
beforeAll(async () => {
  gateway = await startTestGateway({ env: { role: 'api', metricsToken } });
  worker = await startSecondWorker(gateway);
});
afterAll(async () => {
  await worker?.close();
  await gateway?.close();
});

const supplier = 'openprovider';
const processes = () => [['the API process', gateway.url], ['the worker process', worker.url]] as const;

test.each([
  ['no Authorization header', () => undefined],
  ['another token of the same length', () => randomBytes(32).toString('base64')],
  ['an admin API key', () => gateway.keys.admin],
])('with SGW_METRICS_TOKEN set, /metrics refuses %s: 401 problem+json, in both processes', async (_case, token) => {
  for (const [where, url] of processes()) {
    const answer = await api({ url }, 'GET', '/metrics', { token: token() });
    expect({ where, status: answer.status, type: answer.type, challenge: answer.headers.get('www-authenticate') }).toEqual({
      where,
      status: 401,
      type: expect.stringContaining('application/problem+json'),
      challenge: 'Bearer',
    });
    expect(answer.json).toMatchObject({ status: 401, title: 'Unauthorized', detail: expect.stringContaining('SGW_METRICS_TOKEN') });
    expect(answer.text).not.toContain('sgw_');
  }
});

test('with SGW_METRICS_TOKEN set, /metrics answers to it, and /healthz and /readyz stay open, in both processes', async () => {
  for (const [where, url] of processes()) {
    const metrics = await scrape({ url }, metricsToken);
    expect({ where, hasProcessMetrics: metrics.value('sgw_process_start_time_seconds')! > 0 }).toEqual({ where, hasProcessMetrics: true });
    expect({ where, health: (await api({ url }, 'GET', '/healthz')).status, readiness: (await api({ url }, 'GET', '/readyz')).status }).toEqual({ where, health: 200, readiness: 200 });
  }
});

test('a worker-only process serves no API: anything but its probes and metrics is a 404 problem', async () => {
  const answer = await api(worker, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(), headers: { 'idempotency-key': uniqueName('w-') } });
  expect(answer.status).toBe(404);
  expect(answer.type).toContain('application/problem+json');
  expect(answer.json.detail).toContain('/metrics');
});

test('the API process counts what it accepts, the worker process what it delivers; both show the queue', async () => {
  const before = { api: await scrape(gateway, metricsToken), worker: await scrape(worker, metricsToken) };
  const post = async (domain?: string) => {
    const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(undefined, domain), headers: { 'idempotency-key': uniqueName('roles-') } });
    expect(answer.status).toBe(202);
    return answer.json.id as string;
  };
  const delivered = await post();
  const taken = await post(`taken-${uniqueName('')}.nl`);
  expect(await transferStatus(gateway, delivered, ['delivered', 'failed'])).toMatchObject({ status: 'delivered' });
  expect(await transferStatus(gateway, taken, ['delivered', 'failed'])).toMatchObject({ status: 'failed' });
  const after = { api: await scrape(gateway, metricsToken), worker: await scrape(worker, metricsToken) };

  const counts = (role: 'api' | 'worker') => ({
    accepted: after[role].since(before[role], 'sgw_transfers_accepted_total', { supplier, operation: 'domain.register' }),
    delivered: after[role].since(before[role], 'sgw_transfers_delivered_total', { supplier }),
    failedForGood: after[role].since(before[role], 'sgw_delivery_failures_total', { supplier, error_class: 'supplier.rejected', final: 'true' }),
    timed: after[role].since(before[role], 'sgw_delivery_duration_seconds_count', { supplier }),
  });
  expect(counts('api')).toEqual({ accepted: 2, delivered: 0, failedForGood: 0, timed: 0 });
  expect(counts('worker')).toEqual({ accepted: 0, delivered: 1, failedForGood: 1, timed: 1 });
  for (const role of ['api', 'worker'] as const) expect(after[role].value('sgw_queue_jobs', { supplier, state: 'failed' })).toBe(1);
});
