import { spawnSync } from 'node:child_process';
import { publishBreakerState } from '../../src/queue/breaker-state';
import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { scrape } from '../support/metrics';
import { uniqueName, waitFor } from '../support/services';

// Issue 11, point 7: GET /metrics, read through a real port after real transfers to the (HTTP) sandbox.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterEach(() => gateway.sandbox.faults.clear());
afterAll(() => gateway.close());

const supplier = 'openprovider';
const finalStatuses = ['delivered', 'failed', 'unknown', 'cancelled'];

async function submit(body: object = registerBody()) {
  return api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('metrics-') } });
}

async function submitted(domain?: string): Promise<string> {
  const answer = await submit(registerBody(undefined, domain));
  expect(answer.status).toBe(202);
  return answer.json.id;
}

test('a delivery, a taken domain and a refusal: accepted, delivered, failed for good, latency, queue depth and shares log counted', async () => {
  const before = await scrape(gateway);
  const delivered = await submitted();
  const taken = await submitted(`taken-${uniqueName('')}.nl`);
  expect((await submit({ ...registerBody(), purpose: 'marketing' })).status).toBe(403);
  expect(await transferStatus(gateway, delivered, finalStatuses)).toMatchObject({ status: 'delivered' });
  expect(await transferStatus(gateway, taken, finalStatuses)).toMatchObject({ status: 'failed', lastError: { code: 'supplier.rejected.domain_taken' } });
  const after = await waitFor(async () => {
    const now = await scrape(gateway);
    return now.value('sgw_queue_jobs', { supplier, state: 'failed' }) === (before.value('sgw_queue_jobs', { supplier, state: 'failed' }) ?? 0) + 1 && now;
  }, 'the taken domain\'s job to show as failed');

  expect(after.since(before, 'sgw_transfers_accepted_total', { supplier, operation: 'domain.register' })).toBe(2);
  expect(after.since(before, 'sgw_transfers_delivered_total', { supplier })).toBe(1);
  expect(after.since(before, 'sgw_delivery_failures_total', { supplier, error_class: 'supplier.rejected', final: 'true' })).toBe(1);
  expect(after.since(before, 'sgw_delivery_failures_total', { supplier, error_class: 'supplier.rejected', final: 'false' })).toBe(0);
  // One connector call succeeded: one observation, in every bucket up from the one its time fell in.
  expect(after.since(before, 'sgw_delivery_duration_seconds_count', { supplier })).toBe(1);
  expect(after.since(before, 'sgw_delivery_duration_seconds_sum', { supplier })).toBeGreaterThan(0);
  expect(after.since(before, 'sgw_delivery_duration_seconds_bucket', { supplier, le: '+Inf' })).toBe(1);
  expect(after.since(before, 'sgw_delivery_duration_seconds_bucket', { supplier, le: '60' })).toBe(1);
  expect(after.series('sgw_delivery_duration_seconds_bucket').map((sample) => sample.labels.le)).toEqual(['0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '+Inf']);
  expect(Object.fromEntries(['transfer.refused', 'delivery.attempted', 'delivery.succeeded', 'delivery.failed'].map((event) => [event, after.since(before, 'sgw_share_log_entries_total', { event })]))).toEqual({
    'transfer.refused': 1,
    'delivery.attempted': 2,
    'delivery.succeeded': 1,
    'delivery.failed': 1,
  });
  expect(after.value('sgw_queue_jobs', { supplier, state: 'active' })).toBe(0);
  expect(after.value('sgw_queue_jobs', { supplier, state: 'waiting' })).toBe(0);
});

test('a supplier outage: each failed attempt is counted as not final, then the delivery', async () => {
  gateway.sandbox.faults.inject({ kind: 'server_error', method: 'POST', path: '/domains', status: 503 });
  gateway.sandbox.faults.inject({ kind: 'server_error', method: 'POST', path: '/domains', status: 503 });
  const before = await scrape(gateway);
  const id = await submitted();
  expect(await transferStatus(gateway, id, finalStatuses)).toMatchObject({ status: 'delivered', attempts: 3 });
  const after = await scrape(gateway);

  expect(after.since(before, 'sgw_delivery_failures_total', { supplier, error_class: 'supplier.unavailable', final: 'false' })).toBe(2);
  expect(after.since(before, 'sgw_delivery_failures_total', { supplier, error_class: 'supplier.unavailable', final: 'true' })).toBe(0);
  expect(after.since(before, 'sgw_transfers_delivered_total', { supplier })).toBe(1);
  expect(after.since(before, 'sgw_delivery_duration_seconds_count', { supplier })).toBe(1);
  expect(after.since(before, 'sgw_share_log_entries_total', { event: 'delivery.attempted' })).toBe(3);
  expect(after.since(before, 'sgw_share_log_entries_total', { event: 'delivery.failed' })).toBe(2);
});

test('a replayed request is answered again but accepted once', async () => {
  const body = registerBody();
  const headers = { 'idempotency-key': uniqueName('replay-') };
  const before = await scrape(gateway);
  const first = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers });
  const again = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers });
  expect([first.status, again.status]).toEqual([202, 202]);
  const after = await scrape(gateway);
  expect(after.since(before, 'sgw_transfers_accepted_total', { supplier, operation: 'domain.register' })).toBe(1);
  expect(after.since(before, 'sgw_http_requests_total', { method: 'POST', route: '/v1/transfers/', status: '202' })).toBe(2);
  await transferStatus(gateway, first.json.id, ['delivered']);
});

test('requests are counted by route pattern and status, never by path', async () => {
  const id = await submitted();
  await transferStatus(gateway, id, ['delivered']);
  const before = await scrape(gateway);
  expect((await api(gateway, 'GET', `/v1/transfers/${id}`, { token: gateway.keys.ops })).status).toBe(200);
  expect((await api(gateway, 'GET', `/v1/transfers/${uniqueName('nope-')}`, { token: gateway.keys.ops })).status).toBe(404);
  expect((await api(gateway, 'GET', `/v1/transfers/${id}`, { token: 'sgw_not-a-key' })).status).toBe(401);
  expect((await api(gateway, 'GET', `/no/such/${id}`)).status).toBe(404);
  expect((await api(gateway, 'GET', '/healthz')).status).toBe(200);
  const after = await scrape(gateway);

  expect(after.since(before, 'sgw_http_requests_total', { method: 'GET', route: '/v1/transfers/:id', status: '200' })).toBe(1);
  expect(after.since(before, 'sgw_http_requests_total', { method: 'GET', route: '/v1/transfers/:id', status: '404' })).toBe(1);
  // Refused before any route was matched, like a path no route takes.
  expect(after.since(before, 'sgw_http_requests_total', { method: 'GET', route: 'unmatched', status: '401' })).toBe(1);
  expect(after.since(before, 'sgw_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
  expect(after.since(before, 'sgw_http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBe(1);
  // The scrape before this one was answered, and counted, before this one began.
  expect(after.since(before, 'sgw_http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBe(1);
  expect(after.text).not.toContain(id);
});

test('queue depth: jobs of a paused queue show as paused, and leave once it resumes and they are delivered', async () => {
  await gateway.deliveryQueue.pause();
  try {
    const ids = [await submitted(), await submitted()];
    const paused = await waitFor(async () => {
      const now = await scrape(gateway);
      return now.value('sgw_queue_jobs', { supplier, state: 'paused' }) === 2 && now;
    }, 'two paused jobs in the metrics');
    expect(paused.value('sgw_queue_jobs', { supplier, state: 'active' })).toBe(0);
    await gateway.deliveryQueue.resume();
    for (const id of ids) expect(await transferStatus(gateway, id, finalStatuses)).toMatchObject({ status: 'delivered' });
    const resumed = await scrape(gateway);
    expect(resumed.value('sgw_queue_jobs', { supplier, state: 'paused' })).toBe(0);
    expect(resumed.value('sgw_queue_jobs', { supplier, state: 'waiting' })).toBe(0);
  } finally {
    await gateway.deliveryQueue.resume();
  }
});

test('breaker state: one-hot per supplier, read from what the workers publish', async () => {
  const states = async () => Object.fromEntries((await scrape(gateway)).series('sgw_supplier_breaker_state').map((sample) => [`${sample.labels.supplier} ${sample.labels.state}`, sample.value]));
  const prefix = gateway.env.queuePrefix;
  try {
    // Never published: closed.
    expect(await states()).toEqual({ 'openprovider closed': 1, 'openprovider open': 0, 'openprovider half_open': 0 });
    await publishBreakerState(gateway.redis, prefix, supplier, 'open', new Date(Date.now() + 60_000));
    expect(await states()).toEqual({ 'openprovider closed': 0, 'openprovider open': 1, 'openprovider half_open': 0 });
    // Open past its wait: its next call probes.
    await publishBreakerState(gateway.redis, prefix, supplier, 'open', new Date(Date.now() - 1000));
    expect(await states()).toEqual({ 'openprovider closed': 0, 'openprovider open': 0, 'openprovider half_open': 1 });
  } finally {
    await publishBreakerState(gateway.redis, prefix, supplier, 'closed');
  }
  expect(await states()).toEqual({ 'openprovider closed': 1, 'openprovider open': 0, 'openprovider half_open': 0 });
});

test('promtool check metrics: the text, with every metric holding samples, passes without a lint problem', async () => {
  await transferStatus(gateway, await submitted(), ['delivered']);
  await transferStatus(gateway, await submitted(`taken-${uniqueName('')}.nl`), ['failed']);
  const { text, samples } = await scrape(gateway);
  const ours = ['sgw_http_requests_total', 'sgw_transfers_accepted_total', 'sgw_transfers_delivered_total', 'sgw_delivery_failures_total', 'sgw_delivery_duration_seconds_count', 'sgw_queue_jobs', 'sgw_supplier_breaker_state', 'sgw_share_log_entries_total', 'sgw_process_cpu_seconds_total'];
  expect(ours.filter((name) => !samples.some((sample) => sample.name === name))).toEqual([]);

  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect({ status: promtool.status, error: promtool.error?.message, stdout: promtool.stdout, stderr: promtool.stderr }).toEqual({ status: 0, error: undefined, stdout: '', stderr: '' });
});
