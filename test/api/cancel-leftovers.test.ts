import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';

// Issue 11, point 3: cancelling a transfer that waits for a retry. Its first attempt made the registrant a
// customer at Openprovider before the domain request failed; a cancel must not leave that copy of the
// customer's data behind.

let gateway: TestGateway;
beforeAll(async () => {
  // The retry is a minute away: the transfer sits queued while the test cancels it.
  gateway = await startTestGateway({ queue: { attempts: 3, backoff: { baseMs: 60_000, maxMs: 60_000 } } });
});
afterAll(() => gateway.close());

test('a queued transfer whose earlier attempt created a customer: cancelled, and the customer removed from the supplier', async () => {
  gateway.sandbox.faults.inject({ kind: 'server_error', status: 503, method: 'POST', path: '/domains' });
  const body = registerBody();
  const accepted = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('leftover-') } });
  const id = accepted.json.id as string;
  const waiting = await waitFor(async () => {
    const transfer = (await api(gateway, 'GET', `/v1/transfers/${id}`, { token: gateway.keys.ops })).json;
    return transfer.status === 'queued' && transfer.attempts === 1 ? transfer : undefined;
  }, 'the first attempt to fail');
  expect(waiting).toMatchObject({ lastError: { code: 'supplier.unavailable.http_503' }, nextAttemptAt: expect.any(String) });
  expect(gateway.sandbox.customers()).toHaveLength(1);

  const cancelled = await api(gateway, 'POST', `/v1/transfers/${id}/cancel`, { token: gateway.keys.ops });
  expect(cancelled.json).toMatchObject({ status: 'cancelled', nextAttemptAt: null });
  await waitFor(async () => gateway.sandbox.customers().length === 0, 'the customer to be removed');
  expect(await transferStatus(gateway, id, ['cancelled'])).toMatchObject({ attempts: 1 });
  expect(gateway.sandbox.domains().filter((domain) => domain.name === body.data.domain)).toEqual([]);
});
