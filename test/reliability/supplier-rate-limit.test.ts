import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

// Issue 11, point 4: a supplier's agreed rate (`queue.rateLimit` in the suppliers file) holds however many
// jobs the worker could run at once.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ queue: { concurrency: 4, rateLimit: { max: 1, durationMs: 1000 } } });
});
afterAll(() => gateway.close());

test('four transfers accepted at once reach a supplier agreed at one delivery a second one a second apart, with four slots free', async () => {
  const accepted = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(), headers: { 'idempotency-key': uniqueName('rate-') } });
      expect(answer.status).toBe(202);
      return answer.json.id as string;
    }),
  );
  for (const id of accepted) expect(await transferStatus(gateway, id, ['delivered', 'failed'])).toMatchObject({ status: 'delivered', attempts: 1 });

  const registrations = gateway.sandbox
    .received()
    .filter((request) => request.route === 'POST /domains')
    .map((request) => request.at);
  expect(registrations).toHaveLength(4);
  // BullMQ starts one job per window of a second, so the fourth starts at least three seconds after the first.
  // A registration follows its job's start by the calls before it (the first also logs in): a second is left for
  // that. Unlimited, the four slots would register all four at once.
  expect(registrations[3] - registrations[0]).toBeGreaterThanOrEqual(2000);
});
