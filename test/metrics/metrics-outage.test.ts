import { api, startTestGateway, type TestGateway } from '../support/gateway';
import { scrape, type Scrape } from '../support/metrics';
import { testDatabaseUrl, testRedisUrl, waitFor } from '../support/services';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

// Issue 11, point 7: /metrics is scraped most when something is wrong. It answers while Redis or the
// database is away, leaving out only what it could not read rather than showing old numbers as current.

let redisProxy: TcpProxy;
let databaseProxy: TcpProxy;
let gateway: TestGateway;
beforeAll(async () => {
  const redis = new URL(testRedisUrl);
  const database = new URL(testDatabaseUrl);
  redisProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  databaseProxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
  gateway = await startTestGateway({
    env: {
      redisUrl: `redis://${redisProxy.host}:${redisProxy.port}`,
      databaseUrl: Object.assign(new URL(testDatabaseUrl), { hostname: databaseProxy.host, port: String(databaseProxy.port) }).toString(),
    },
  });
});
afterAll(async () => {
  // A test that failed mid-outage must not leave the teardown waiting on a dead service.
  await redisProxy.restore();
  await databaseProxy.restore();
  await gateway.close();
  await redisProxy.close();
  await databaseProxy.close();
});

const supplier = 'openprovider';
const readFromRedis = (metrics: Scrape) => ({
  queue: metrics.value('sgw_queue_jobs', { supplier, state: 'waiting' }),
  breaker: metrics.value('sgw_supplier_breaker_state', { supplier, state: 'closed' }),
});

test.each([
  ['stops answering (a network partition)', () => redisProxy.freeze()],
  ['refuses connections', () => redisProxy.cut()],
])('Redis %s: /metrics answers without the queue and breaker series, and has them again once Redis is back', async (_case, outage) => {
  expect(readFromRedis(await scrape(gateway))).toEqual({ queue: 0, breaker: 1 });
  await outage();
  try {
    const during = await scrape(gateway);
    expect(readFromRedis(during)).toEqual({ queue: undefined, breaker: undefined });
    expect(during.series('sgw_queue_jobs')).toEqual([]);
    // What the process counts itself is all there.
    expect(during.value('sgw_process_start_time_seconds')).toBeGreaterThan(0);
    expect(during.value('sgw_http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(1);
  } finally {
    await redisProxy.restore();
  }
  await waitFor(async () => readFromRedis(await scrape(gateway)).queue === 0, 'the queue series to come back');
});

test('database unreachable: /readyz is red and the API refuses, /metrics answers in full', async () => {
  await databaseProxy.cut();
  try {
    await waitFor(async () => (await api(gateway, 'GET', '/readyz')).status === 503, 'readiness to turn red');
    expect((await api(gateway, 'GET', '/v1/shares', { token: gateway.keys.privacy })).status).toBe(503);
    const during = await scrape(gateway);
    expect(readFromRedis(during)).toEqual({ queue: 0, breaker: 1 });
    expect(during.value('sgw_http_requests_total', { method: 'GET', route: '/readyz', status: '503' })).toBeGreaterThanOrEqual(1);
  } finally {
    await databaseProxy.restore();
  }
});
