import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { deliveryQueueName } from '../../src/queue/queues';
import { api, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { cutWhileDelivering, postTransfer, timed, unexpectedServerErrors, untilReady } from '../support/outage';
import { testRedisUrl } from '../support/services';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

// Issue #3 point 5: Redis goes away. The API says so at once (503, never a hang or a 500), and nothing
// it accepted is lost: every 202 ends delivered, exactly once, after Redis is back.

let proxy: TcpProxy;
let gateway: TestGateway;
beforeAll(async () => {
  const redis = new URL(testRedisUrl);
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  gateway = await startTestGateway({ env: { redisUrl: `redis://${proxy.host}:${proxy.port}`, recoveryMs: 2000 } });
});
afterAll(async () => {
  // A test that failed mid-outage must not leave the teardown waiting on a dead service.
  await proxy.restore();
  await gateway.close();
  await proxy.close();
});

const timesRegistered = (domain: string) => gateway.sandbox.domains().filter((registered) => registered.name === domain).length;

async function expectDeliveredOnce(transfers: { answer: { json: { id: string } }; domain: string }[]) {
  for (const transfer of transfers) {
    expect(await transferStatus(gateway, transfer.answer.json.id, ['delivered', 'failed', 'unknown'])).toMatchObject({ status: 'delivered' });
    expect(timesRegistered(transfer.domain)).toBe(1);
  }
}

test('Redis unreachable: 503 within 2 s from intake, readiness and other routes; every transfer accepted before and after is delivered once', async () => {
  const before = await cutWhileDelivering(gateway, proxy, { redis: false, database: true });

  await proxy.restore();
  await untilReady(gateway);
  gateway.sandbox.setLatency(0);
  const after = await Promise.all([postTransfer(gateway), postTransfer(gateway)]);
  expect(after.map(({ answer }) => answer.status)).toEqual([202, 202]);
  await expectDeliveredOnce([...before, ...after]);
  expect(unexpectedServerErrors(gateway)).toEqual([]);
});

test('Redis fails after the commit: the POST is answered 202 all the same, and the sweep queues it once Redis is back; delivered once', async () => {
  // Readiness is probed every second, so a POST sent right after the cut reaches intake first: the row is
  // committed, then the job cannot be queued. Should the probe win that race, the POST is refused before
  // intake with a 503 and nothing is stored; then try again.
  let attempt: Awaited<ReturnType<typeof postTransfer>> | undefined;
  for (let tries = 0; tries < 5 && attempt?.answer.status !== 202; tries++) {
    await untilReady(gateway);
    await proxy.cut();
    attempt = await postTransfer(gateway);
    await proxy.restore();
    expect([202, 503]).toContain(attempt.answer.status);
  }
  expect(attempt!.answer.status).toBe(202);
  const jobs = new Queue(deliveryQueueName('openprovider'), { connection: new IORedis(testRedisUrl), prefix: gateway.env.queuePrefix });
  try {
    expect(await jobs.getJob(attempt!.answer.json.id)).toBeUndefined();
  } finally {
    await jobs.close();
    await jobs.disconnect();
  }
  await expectDeliveredOnce([attempt!]);
  expect(unexpectedServerErrors(gateway)).toEqual([]);
});

test('Redis stops answering (connection open, no reply, as in a partition): answered within 2 s, not a hang; delivered once after recovery', async () => {
  proxy.freeze();
  // The row commits; whether the answer is 202 (the job to follow) or 503 (readiness saw it first), it comes at once.
  const stalled = await timed(() => postTransfer(gateway));
  expect([202, 503]).toContain(stalled.result.answer.status);
  expect(stalled.ms).toBeLessThan(2000);
  const readiness = await timed(() => api(gateway, 'GET', '/readyz'));
  expect(readiness.result.status).toBe(503);
  expect(readiness.result.json).toMatchObject({ ready: false, redis: false });
  expect(readiness.ms).toBeLessThan(2000);

  await proxy.restore();
  await untilReady(gateway);
  const retried = await postTransfer(gateway, stalled.result.body, stalled.result.idempotencyKey);
  expect(retried.answer.status).toBe(202);
  await expectDeliveredOnce([retried]);
  expect(unexpectedServerErrors(gateway)).toEqual([]);
});
