import { boardQueue, logIn, visit } from '../support/dashboard';
import { api, startTestGateway, type TestGateway } from '../support/gateway';
import { unexpectedServerErrors, untilReady } from '../support/outage';
import { testRedisUrl, waitFor } from '../support/services';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

// The dashboard in a Redis outage: like every other route, 503 problem+json, never a 500 or a hang; and the
// board is back once Redis is.

let proxy: TcpProxy;
let gateway: TestGateway;
beforeAll(async () => {
  const redis = new URL(testRedisUrl);
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  gateway = await startTestGateway({ env: { redisUrl: `redis://${proxy.host}:${proxy.port}` } });
});
afterAll(async () => {
  await proxy.restore();
  await gateway.close();
  await proxy.close();
});

const queuesApi = '/admin/queues/api/queues';
const expectUnavailable = (answer: { status: number; type: string }, what: string) =>
  expect({ what, status: answer.status, type: answer.type }).toEqual({ what, status: 503, type: expect.stringContaining('application/problem+json') });

test('Redis cut: the board answers 503 problem+json at once, before and after readiness notices; the login form too; back with Redis', async () => {
  const cookie = await logIn(gateway, gateway.keys.ops);
  expect((await visit(gateway, 'GET', queuesApi, { cookie })).status).toBe(200);

  await proxy.cut();
  // Readiness is probed every second, so this read most likely reaches Bull Board and fails on Redis there.
  expectUnavailable(await visit(gateway, 'GET', queuesApi, { cookie }), 'the board, right after the cut');
  await waitFor(async () => (await api(gateway, 'GET', '/readyz')).status === 503, 'readiness to turn red', 3000);
  expectUnavailable(await visit(gateway, 'GET', queuesApi, { cookie }), 'the board, once readiness is red');
  expectUnavailable(await visit(gateway, 'GET', '/admin/queues', { cookie, accept: 'text/html' }), 'the board page');
  expectUnavailable(await visit(gateway, 'GET', '/admin/login', { accept: 'text/html' }), 'the login form');

  await proxy.restore();
  await untilReady(gateway);
  const queues = await visit(gateway, 'GET', queuesApi, { cookie });
  expect(JSON.parse(queues.text).queues.map((queue: { name: string }) => queue.name)).toEqual([boardQueue]);
  expect(unexpectedServerErrors(gateway)).toEqual([]);
});
