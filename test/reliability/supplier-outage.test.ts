import { setTimeout as sleep } from 'node:timers/promises';
import { defaultQueuePolicy } from '../../src/config/suppliers';
import { readBreakerStates, type BreakerState } from '../../src/queue/breaker-state';
import { api, leakedCanaries, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';

/**
 * Issue 11, point 4: outages are ridden out, not failed. A failed attempt schedules its retry and shows when
 * it is due; a supplier that answers 503 for two minutes opens its breaker, which holds the transfers back
 * without using their attempts, lets a probe through every 30 s, and closes once the supplier is back.
 */
// The real breaker (5 outages in a row, a probe after 30 s); a short backoff, so that the test does not wait
// out an hour's delay after the supplier is back.
const backoff = { baseMs: 4000, maxMs: 10_000 };
const concurrency = 4;
const { threshold, halfOpenAfterMs } = defaultQueuePolicy.breaker;

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ queue: { concurrency, backoff } });
});
afterAll(() => gateway.close());

async function submit(): Promise<string> {
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(), headers: { 'idempotency-key': uniqueName('outage-') } });
  expect(answer.status).toBe(202);
  return answer.json.id;
}

const breakerState = async () => (await readBreakerStates(gateway.redis, gateway.env.queuePrefix, ['openprovider'])).get('openprovider')!;

test('while a transfer waits for its retry it shows when the retry is due, which is when the queue hands it out; the next attempt clears it', async () => {
  gateway.sandbox.faults.inject({ kind: 'server_error', status: 503, method: 'POST', path: '/domains' });
  const id = await submit();

  const waiting = await waitFor(async () => {
    const answer = await api(gateway, 'GET', `/v1/transfers/${id}`, { token: gateway.keys.ops });
    return answer.json.lastError && answer.json;
  }, 'the first attempt to fail');
  expect(waiting).toMatchObject({ status: 'queued', attempts: 1, lastError: { code: 'supplier.unavailable.http_503' }, nextAttemptAt: expect.any(String) });
  const dueAt = Date.parse(waiting.nextAttemptAt);
  // The first retry waits between half the base and all of it, from when the error was recorded.
  expect(dueAt - Date.parse(waiting.lastError.at)).toBeGreaterThan(backoff.baseMs / 2 - 200);
  expect(dueAt - Date.parse(waiting.lastError.at)).toBeLessThanOrEqual(backoff.baseMs);
  // BullMQ holds the job until the same moment (it moved the job a moment after the row was written), not
  // until a delay of its own drawing, which would land anywhere in a two-second range.
  const heldUntil = Math.floor(Number(await gateway.redis.zscore(gateway.deliveryQueue.keys.delayed, id)) / 0x1000);
  expect(heldUntil - dueAt).toBeGreaterThanOrEqual(0);
  expect(heldUntil - dueAt).toBeLessThan(250);

  expect(await transferStatus(gateway, id, ['delivered', 'failed'])).toMatchObject({ status: 'delivered', attempts: 2, nextAttemptAt: null, lastError: null });
  const retried = gateway.sandbox.received().filter((request) => request.at > Date.parse(waiting.lastError.at));
  expect(Math.min(...retried.map((request) => request.at))).toBeGreaterThanOrEqual(dueAt);
});

test('a supplier down for two minutes: the breaker opens, holds every transfer back without using its attempts, closes when the supplier is back, and all are delivered', async () => {
  const outageMs = 120_000;
  const outageStart = Date.now();
  gateway.sandbox.faults.inject({ kind: 'server_error', status: 503, forMs: outageMs });
  const ids = await Promise.all(Array.from({ length: 20 }, submit));

  // The state an API process reads, as it changes.
  const published: BreakerState[] = [];
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const state = await breakerState();
      if (published.at(-1) !== state) published.push(state);
      await sleep(200);
    }
  })();
  const finals = [];
  for (const id of ids) finals.push(await transferStatus(gateway, id, ['delivered', 'failed', 'unknown'], outageMs + 60_000));
  watching = false;
  await watch;

  expect(finals.map((transfer) => transfer.status)).toEqual(ids.map(() => 'delivered'));
  expect(published).toContain('open');
  expect(published.at(-1)).toBe('closed');
  const logged = gateway
    .logs()
    .split('\n')
    .filter((line) => line.includes('"message":"supplier breaker changed"'))
    .map((line) => JSON.parse(line) as { supplier: string; breaker: BreakerState });
  expect(logged.every((line) => line.supplier === 'openprovider')).toBe(true);
  expect(logged.map((line) => line.breaker)).toEqual(expect.arrayContaining(['open', 'half_open']));
  expect(logged[0].breaker).toBe('open');
  expect(logged.at(-1)!.breaker).toBe('closed');
  expect(leakedCanaries(gateway.logs())).toEqual([]);

  // Only attempts that reached the supplier were used: those that opened the breaker, those already under way
  // then, and one probe per 30 s; a transfer held back used none. Without the breaker each of the 20 would
  // have been tried every few seconds for two minutes.
  const failedAttempts = finals.reduce((sum, transfer) => sum + transfer.attempts, 0) - ids.length;
  const probes = Math.ceil(outageMs / halfOpenAfterMs) + 1;
  expect(failedAttempts).toBeGreaterThanOrEqual(threshold);
  expect(failedAttempts).toBeLessThanOrEqual(threshold + concurrency - 1 + probes);
  const refused = gateway.sandbox.received().filter((request) => request.at >= outageStart && request.status === 503);
  expect(refused.length).toBeLessThanOrEqual(failedAttempts);
  // BullMQ counted the same attempts: holding a job back is no attempt to it either.
  const jobs = await Promise.all(ids.map((id) => gateway.deliveryQueue.getJob(id)));
  expect(jobs.reduce((sum, job) => sum + job!.attemptsMade, 0)).toBe(failedAttempts + ids.length);
}, 300_000);
