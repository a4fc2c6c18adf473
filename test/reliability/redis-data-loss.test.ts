import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import IORedis from 'ioredis';
import { ownRedis, type OwnRedis } from '../support/own-redis';
import { uniqueName } from '../support/services';

/**
 * Issue 10, point 3: Redis loses its data (a restart without persistence, a failover to an empty replica, a
 * FLUSHALL). PostgreSQL is the system of record: every transfer still waiting is queued again from it and
 * delivered, exactly once. The test owns its Redis; the shared one is never flushed.
 */
const recoveryMs = 2000;
let redis: OwnRedis;
let client: IORedis;
let gateway: TestGateway;
beforeAll(async () => {
  redis = await ownRedis();
  await redis.start();
  client = new IORedis(redis.url);
  gateway = await startTestGateway({ env: { redisUrl: redis.url, recoveryMs }, queue: { concurrency: 1 } });
});
afterAll(async () => {
  await gateway?.close();
  client?.disconnect();
  await redis?.stop();
});

test('Redis emptied while transfers wait: each is queued again from the database and delivered once', async () => {
  // A slow supplier and one delivery at a time keep most transfers waiting in Redis when it is emptied.
  gateway.sandbox.setLatency(150);
  const bodies = Array.from({ length: 12 }, () => registerBody());
  const ids: string[] = [];
  for (const body of bodies) {
    const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('flush-') } });
    expect(answer.status).toBe(202);
    ids.push(answer.json.id);
  }
  await transferStatus(gateway, ids[0], ['delivered']);
  const [{ waiting }] = await gateway.db.query<{ waiting: string }>(`select count(*) as waiting from transfers where status = 'queued'`);
  expect(Number(waiting)).toBeGreaterThan(5);
  // FLUSHALL is safe here: this Redis is the test's own.
  expect(await client.flushall()).toBe('OK');
  expect(await client.dbsize()).toBe(0);

  gateway.sandbox.setLatency(0);
  for (const [index, id] of ids.entries()) {
    expect(await transferStatus(gateway, id, ['delivered', 'failed', 'unknown'], 30_000)).toMatchObject({ status: 'delivered' });
    expect(gateway.sandbox.domains().filter((domain) => domain.name === bodies[index].data.domain)).toHaveLength(1);
  }
  const verified = await api(gateway, 'GET', '/v1/shares/verify', { token: gateway.keys.privacy });
  expect(verified.json).toMatchObject({ ok: true });
}, 60_000);
