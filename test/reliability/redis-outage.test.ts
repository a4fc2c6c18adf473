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
  gateway = await startTestGateway({ env: { redisUrl: `redis://${proxy.host}:${proxy.port}` } });
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

test('Redis fails after the commit: that POST is 503, its retry with the same key after recovery is 202 for the one stored transfer', async () => {
  // Readiness is probed every second, so a POST sent right after the cut reaches intake first: the row is
  // committed, then the job cannot be queued. Should the probe win that race, the POST is refused before
  // intake and nothing is stored; then try again.
  let attempt: Awaited<ReturnType<typeof postTransfer>> | undefined;
  let stored: { transfer_id: string }[] = [];
  for (let tries = 0; tries < 5 && stored.length === 0; tries++) {
    await untilReady(gateway);
    await proxy.cut();
    attempt = await postTransfer(gateway);
    await proxy.restore();
    expect(attempt.answer.status).toBe(503);
    stored = await gateway.db.query('select id as transfer_id from transfers where idempotency_key = $1', [attempt.idempotencyKey]);
  }
  expect(stored).toHaveLength(1);
  expect(attempt!.answer.json.detail).toMatch(/same Idempotency-Key/);

  await untilReady(gateway);
  const [{ count: transfersBefore }] = await gateway.db.query<{ count: string }>('select count(*) from transfers');
  const retried = await postTransfer(gateway, attempt!.body, attempt!.idempotencyKey);
  expect(retried.answer.status).toBe(202);
  expect(retried.answer.json.id).toBe(stored[0].transfer_id);
  const [{ count: transfersAfter }] = await gateway.db.query<{ count: string }>('select count(*) from transfers');
  expect(transfersAfter).toBe(transfersBefore);
  await expectDeliveredOnce([retried]);
  expect(unexpectedServerErrors(gateway)).toEqual([]);
});

test('Redis stops answering (connection open, no reply, as in a partition): 503 within 2 s, not a hang; the retry after recovery is delivered once', async () => {
  proxy.freeze();
  const stalled = await timed(() => postTransfer(gateway));
  expect(stalled.result.answer.status).toBe(503);
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
