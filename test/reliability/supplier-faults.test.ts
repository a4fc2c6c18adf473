import { defaultQueuePolicy } from '../../src/config/suppliers';
import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { startSecondWorker } from '../support/second-worker';
import { uniqueName, waitFor } from '../support/services';
import { millisBetween, sharesOfTransfer } from '../support/shares';

// Issue #3 point 6: what the worker does with each kind of supplier failure, seen from outside — the
// transfer's status, the domains at the (real, HTTP) sandbox and the shares log.

let gateway: TestGateway;
beforeAll(async () => {
  // One transfer at a time per test; see the rate-limit test for why one slot.
  gateway = await startTestGateway({ queue: { concurrency: 1 } });
});
afterEach(() => gateway.sandbox.faults.clear());
afterAll(() => gateway.close());

const finalStatuses = ['delivered', 'failed', 'unknown', 'cancelled'];
const requestsTo = (route: string) => gateway.sandbox.requests()[route] ?? 0;
const registered = (domain: string) => gateway.sandbox.domains().filter((entry) => entry.name === domain);

async function submit(domain?: string) {
  const body = registerBody(undefined, domain);
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('faults-') } });
  expect(answer.status).toBe(202);
  return { id: answer.json.id as string, subjectId: body.subject.id, domain: body.data.domain };
}

// With several worker processes (SGW_ROLE=worker; docs/architecture.md, "Scale") the pause must hold for all of them, not
// only for the one that got the 429. One job slot per worker makes the other process the one waiting
// for work when the job goes back to the queue, so a worker that ignored the pause would take it at once.
test.each([
  ['one worker process', false],
  ['two worker processes', true],
])('rate limited, %s: a 429 with Retry-After is waited out, then the domain is registered once', async (_name, withSecondWorker) => {
  const second = withSecondWorker ? await startSecondWorker(gateway, { concurrency: 1 }) : undefined;
  try {
    if (second) await waitFor(async () => (await gateway.deliveryQueue.getWorkers()).filter((worker) => worker.cmd === 'bzpopmin').length === 2, 'both workers to wait for jobs');
    const retryAfterSeconds = 2;
    gateway.sandbox.faults.inject({ kind: 'rate_limit', method: 'POST', path: '/domains', retryAfterSeconds });
    const transfer = await submit();

    expect(await transferStatus(gateway, transfer.id, finalStatuses)).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
    expect(registered(transfer.domain)).toHaveLength(1);
    const entries = await sharesOfTransfer(gateway, transfer.subjectId, transfer.id);
    expect(entries).toEqual([
      expect.objectContaining({ event: 'delivery.attempted', attempt: 1 }),
      expect.objectContaining({ event: 'delivery.failed', attempt: 1, errorCode: 'supplier.rate_limited', retryable: true, outcomeUnknown: false }),
      expect.objectContaining({ event: 'delivery.attempted', attempt: 2 }),
      expect.objectContaining({ event: 'delivery.succeeded', attempt: 2, confirmedBy: 'delivery' }),
    ]);
    // The supplier said when to come back; coming back sooner would only earn another 429. By the sandbox's own
    // clock, no request of any kind reached it from the 429 until Retry-After had passed.
    const received = gateway.sandbox.received();
    const limited = received.findLast((request) => request.status === 429)!;
    const after = received.slice(received.indexOf(limited) + 1);
    expect(after.map((request) => request.route)).toEqual(expect.arrayContaining(['POST /domains']));
    expect(Math.min(...after.map((request) => request.at)) - limited.at).toBeGreaterThanOrEqual(retryAfterSeconds * 1000);
  } finally {
    await second?.close();
  }
});

test('unavailable: 500 then 503 are retried with growing backoff, then the domain is registered once', async () => {
  gateway.sandbox.faults.inject({ kind: 'server_error', method: 'POST', path: '/domains', status: 500 });
  gateway.sandbox.faults.inject({ kind: 'server_error', method: 'POST', path: '/domains', status: 503 });
  const transfer = await submit();

  expect(await transferStatus(gateway, transfer.id, finalStatuses)).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
  expect(registered(transfer.domain)).toHaveLength(1);
  const entries = await sharesOfTransfer(gateway, transfer.subjectId, transfer.id);
  expect(entries).toEqual([
    expect.objectContaining({ event: 'delivery.attempted', attempt: 1 }),
    // A 500 may come after Openprovider acted; a 503 means it did not take the request in.
    expect.objectContaining({ event: 'delivery.failed', attempt: 1, errorCode: 'supplier.unavailable.http_500', retryable: true, outcomeUnknown: true }),
    expect.objectContaining({ event: 'delivery.attempted', attempt: 2 }),
    expect.objectContaining({ event: 'delivery.failed', attempt: 2, errorCode: 'supplier.unavailable.http_503', retryable: true, outcomeUnknown: false }),
    expect.objectContaining({ event: 'delivery.attempted', attempt: 3 }),
    expect.objectContaining({ event: 'delivery.succeeded', attempt: 3, confirmedBy: 'delivery' }),
  ]);
  // The default backoff from 1 s, each delay at least half its ceiling: at least 0.5 s, then at least 1 s.
  expect(millisBetween(entries[1], entries[2])).toBeGreaterThanOrEqual(500);
  expect(millisBetween(entries[3], entries[4])).toBeGreaterThanOrEqual(1000);
});

test('rejected: a taken domain fails at once with its reason, and is never retried', async () => {
  const postsBefore = requestsTo('POST /domains');
  const transfer = await submit(`taken-${uniqueName('')}.nl`);

  expect(await transferStatus(gateway, transfer.id, finalStatuses)).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: 'supplier.rejected.domain_taken' } });
  // The job ends failed after one of its allowed attempts: no retry is pending anywhere.
  const job = await waitFor(async () => {
    const found = await gateway.deliveryQueue.getJob(transfer.id);
    return found && (await found.getState()) === 'failed' && found;
  }, 'the job to end failed');
  expect(job.opts.attempts).toBe(defaultQueuePolicy.attempts);
  expect(job.attemptsMade).toBe(1);
  expect(requestsTo('POST /domains') - postsBefore).toBe(1);
  expect(await sharesOfTransfer(gateway, transfer.subjectId, transfer.id)).toEqual([
    expect.objectContaining({ event: 'delivery.attempted', attempt: 1 }),
    expect.objectContaining({ event: 'delivery.failed', attempt: 1, errorCode: 'supplier.rejected.domain_taken', retryable: false, outcomeUnknown: false }),
  ]);
});

test('lost response: the domain was registered but the answer lost; the retry looks it up instead of registering again', async () => {
  const postsBefore = requestsTo('POST /domains');
  const lookupsBefore = requestsTo('GET /domains');
  gateway.sandbox.faults.inject({ kind: 'drop_response', method: 'POST', path: '/domains' });
  const transfer = await submit();

  // The second attempt only looks up what the first one sent.
  expect(await transferStatus(gateway, transfer.id, finalStatuses)).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
  const [domain, ...more] = registered(transfer.domain);
  expect(more).toEqual([]);
  expect(requestsTo('POST /domains') - postsBefore).toBe(1);
  expect(requestsTo('GET /domains') - lookupsBefore).toBe(1);
  expect(await sharesOfTransfer(gateway, transfer.subjectId, transfer.id)).toEqual([
    expect.objectContaining({ event: 'delivery.attempted', attempt: 1 }),
    expect.objectContaining({ event: 'delivery.failed', attempt: 1, errorCode: 'supplier.unavailable.connection_lost', retryable: true, outcomeUnknown: true }),
    expect.objectContaining({ event: 'delivery.succeeded', attempt: 2, confirmedBy: 'lookup', supplierReference: String(domain.id), sentDigest: null }),
  ]);
});
