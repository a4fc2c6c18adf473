import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { deliveryQueueName } from '../../src/queue/queues';
import { DatabaseUnavailableError, type Queryable } from '../../src/store';
import { startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { cutWhileDelivering, postTransfer, unexpectedServerErrors, untilReady } from '../support/outage';
import { testDatabaseUrl, testRedisUrl, waitFor } from '../support/services';
import { sharesOfTransfer } from '../support/shares';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

// Issue #3 point 5: PostgreSQL goes away. The API says so at once (503, never a hang or a 500), and
// nothing it accepted is lost: every 202 ends delivered, exactly once, after the database is back —
// including deliveries that reached the supplier while their outcome could not be written.

let proxy: TcpProxy;
let gateway: TestGateway;
let redis: IORedis;
let queue: Queue;
beforeAll(async () => {
  const database = new URL(testDatabaseUrl);
  proxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
  // The test schema is still made directly; only the gateway goes through the proxy.
  const throughProxy = Object.assign(new URL(testDatabaseUrl), { hostname: proxy.host, port: String(proxy.port) }).toString();
  // Two attempts, about a second of backoff: an outage of our own database must not use them up.
  gateway = await startTestGateway({ env: { databaseUrl: throughProxy }, queue: { attempts: 2 } });
  redis = new IORedis(testRedisUrl);
  queue = new Queue(deliveryQueueName('openprovider'), { connection: redis, prefix: gateway.env.queuePrefix });
});
afterAll(async () => {
  // A test that failed mid-outage must not leave the teardown waiting on a dead service.
  await proxy.restore();
  await queue.close();
  redis.disconnect();
  await gateway.close();
  await proxy.close();
});

test('database unreachable: 503 within 2 s from intake, readiness and other routes; every transfer accepted before and after is delivered once', async () => {
  const before = await cutWhileDelivering(gateway, proxy, { redis: true, database: false });
  // Keep the database away until a delivery that reached the supplier has failed to record its outcome.
  await waitFor(async () => gateway.logs().includes('database unavailable: deliveries pause'), 'a delivery to pause for want of the database');

  await proxy.restore();
  await untilReady(gateway);
  gateway.sandbox.setLatency(0);
  const after = await Promise.all([postTransfer(gateway), postTransfer(gateway)]);
  expect(after.map(({ answer }) => answer.status)).toEqual([202, 202]);
  const confirmedBy: string[] = [];
  for (const transfer of [...before, ...after]) {
    expect(await transferStatus(gateway, transfer.answer.json.id, ['delivered', 'failed', 'unknown'])).toMatchObject({ status: 'delivered' });
    expect(gateway.sandbox.domains().filter((registered) => registered.name === transfer.domain)).toHaveLength(1);
    const entries = await sharesOfTransfer(gateway, transfer.body.subject.id, transfer.answer.json.id);
    expect(entries.at(-1)).toMatchObject({ event: 'delivery.succeeded' });
    confirmedBy.push(entries.at(-1)!.confirmedBy as string);
  }
  // The delivery whose outcome was lost is found at the supplier, not registered again.
  expect(confirmedBy).toContain('lookup');
  expect(gateway.sandbox.requests()['POST /domains']).toBe(5);
  expect(unexpectedServerErrors(gateway)).toEqual([]);
});

test('an outage longer than the retry budget: deliveries wait for the database instead of using up their attempts', async () => {
  gateway.sandbox.setLatency(300);
  const domainsBefore = gateway.sandbox.requests()['POST /domains'] ?? 0;
  const transfer = await postTransfer(gateway);
  expect(transfer.answer.status).toBe(202);
  await waitFor(async () => (gateway.sandbox.requests()['POST /domains'] ?? 0) > domainsBefore, 'the registration to be under way');
  await proxy.cut();

  // More tries than the two attempts allow, all while the database is away: none of them counted.
  const job = await waitFor(async () => {
    const found = await queue.getJob(transfer.answer.json.id);
    return found && found.attemptsStarted >= 3 && found;
  }, 'a third try during the outage');
  expect(await job.getState()).not.toBe('failed');
  await proxy.restore();
  gateway.sandbox.setLatency(0);

  // Tries that found no database counted for nothing: one attempt sent, the next one looked it up.
  expect(await transferStatus(gateway, transfer.answer.json.id, ['delivered', 'failed', 'unknown'])).toMatchObject({ status: 'delivered', attempts: 2 });
  const [domain, ...more] = gateway.sandbox.domains().filter((registered) => registered.name === transfer.domain);
  expect(more).toEqual([]);
  // The registration landed during the outage; its outcome is recorded from the lookup afterwards.
  expect(await sharesOfTransfer(gateway, transfer.body.subject.id, transfer.answer.json.id)).toEqual([
    expect.objectContaining({ event: 'delivery.attempted', attempt: 1 }),
    expect.objectContaining({ event: 'delivery.succeeded', attempt: 2, confirmedBy: 'lookup', supplierReference: String(domain.id) }),
  ]);
  expect(unexpectedServerErrors(gateway)).toEqual([]);
});

test.each([
  ['before its next statement', async (tx: Queryable) => {
    await proxy.cut();
    await tx.query('select 1');
  }],
  ['before its commit', async () => {
    await proxy.cut();
  }],
])('the connection drops inside a transaction, %s: the caller is told the database is unavailable, and the process lives on', async (_when, work) => {
  const failure = await gateway.db.transaction(work).catch((error: unknown) => error);
  await proxy.restore();
  expect(failure).toBeInstanceOf(DatabaseUnavailableError);
  await untilReady(gateway);
  expect((await postTransfer(gateway)).answer.status).toBe(202);
});
