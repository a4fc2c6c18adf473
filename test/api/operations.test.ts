import { publishBreakerState } from '../../src/queue/breaker-state';
import { canary, api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { sql, uniqueName, waitFor } from '../support/services';
import { sharesOfTransfer } from '../support/shares';

// Issue 11, points 2, 3 and 5: ops find failed transfers, retry them one by one or by filter, cancel them,
// and pause a supplier — through a real port, Redis, PostgreSQL and the Openprovider sandbox over HTTP.

let gateway: TestGateway;
beforeAll(async () => {
  // One attempt: a supplier failure is final at once, so tests make failed transfers quickly.
  gateway = await startTestGateway({ queue: { attempts: 1, concurrency: 2 } });
});
afterEach(() => gateway.sandbox.faults.clear());
afterAll(() => gateway.close());

const finalStatuses = ['delivered', 'failed', 'unknown', 'cancelled'];
const registered = (domain: string) => gateway.sandbox.domains().filter((entry) => entry.name === domain);
const schemaOf = async () => ((await gateway.db.query<{ schema: string }>('select current_schema() as schema'))[0]).schema;

async function submit(domain?: string, token = gateway.keys.provisioning) {
  const body = registerBody(undefined, domain);
  const answer = await api(gateway, 'POST', '/v1/transfers', { token, body, headers: { 'idempotency-key': uniqueName('ops-') } });
  expect(answer.status).toBe(202);
  return { id: answer.json.id as string, subjectId: body.subject.id, domain: body.data.domain };
}

/** A transfer that ends failed with `supplier.rejected.domain_taken`. */
async function rejected() {
  const transfer = await submit(`taken-${uniqueName('jansen-')}.nl`);
  await transferStatus(gateway, transfer.id, ['failed']);
  return transfer;
}

/** Until no transfer waits for delivery: a fault injected then meets the next transfer's request, not an earlier one's. */
const settled = () =>
  waitFor(async () => (await gateway.db.query<{ n: number }>(`select count(*)::int as n from transfers where status in ('queued', 'delivering')`))[0].n === 0, 'deliveries to settle');

/** A transfer that ends failed with `supplier.unavailable.*`: the sandbox answered 503 to its only attempt. */
async function unavailable() {
  await settled();
  gateway.sandbox.faults.inject({ kind: 'server_error', status: 503, method: 'POST', path: '/domains' });
  const transfer = await submit();
  expect(await transferStatus(gateway, transfer.id, finalStatuses)).toMatchObject({ status: 'failed', lastError: { code: expect.stringMatching(/^supplier\.unavailable\./) } });
  return transfer;
}

const list = async (query: string, token = gateway.keys.ops) => {
  const answer = await api(gateway, 'GET', `/v1/transfers${query}`, { token });
  expect(answer.status).toBe(200);
  return answer.json as { items: { id: string; status: string; lastError: { code: string } | null }[]; nextCursor: string | null; counts: Record<string, number> };
};

describe('finding failed transfers', () => {
  test('filters by status, supplier, operation, error code prefix and time; counts per status; no personal value in any item', async () => {
    const since = new Date().toISOString();
    const taken = await rejected();
    const down = await unavailable();
    const fine = await submit();
    await transferStatus(gateway, fine.id, ['delivered']);
    const window = `since=${encodeURIComponent(since)}`;

    const failed = await list(`?status=failed&supplier=openprovider&operation=domain.register&${window}`);
    expect(failed.items.map((item) => item.id).sort()).toEqual([taken.id, down.id].sort());
    expect(failed.counts).toMatchObject({ failed: 2, delivered: 1 });
    const rejections = await list(`?errorCode=supplier.rejected&${window}`);
    expect(rejections.items.map((item) => item.id)).toEqual([taken.id]);
    expect(rejections.items[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: 'supplier.rejected.domain_taken', detail: expect.any(String), at: expect.any(String) } });
    // A prefix matches whole segments only.
    expect((await list(`?errorCode=supplier.rej&${window}`)).items).toEqual([]);
    expect((await list(`?errorCode=supplier.rejected.domain_taken&${window}`)).items.map((item) => item.id)).toEqual([taken.id]);
    expect((await list(`?until=${encodeURIComponent(since)}&${window}`)).items).toEqual([]);

    const everything = JSON.stringify(await list(`?${window}`));
    for (const value of [...Object.values(canary), taken.domain, taken.subjectId]) expect(everything).not.toContain(value);
  });

  test('cursor paging is stable while transfers are created: no transfer twice, none skipped', async () => {
    const since = new Date(Date.now() - 1).toISOString();
    const before = [];
    for (let i = 0; i < 7; i++) before.push((await submit()).id);
    const seen: string[] = [];
    let page = await list(`?limit=3&since=${encodeURIComponent(since)}`);
    seen.push(...page.items.map((item) => item.id));
    // Created while someone pages: newest first, so they would go before the first page.
    for (let i = 0; i < 3; i++) await submit();
    while (page.nextCursor) {
      page = await list(`?limit=3&since=${encodeURIComponent(since)}&cursor=${page.nextCursor}`);
      seen.push(...page.items.map((item) => item.id));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(before.sort());
  });

  test('a provisioning key lists only its own transfers', async () => {
    const since = new Date(Date.now() - 1).toISOString();
    const mine = await submit();
    const { token } = await import('../../src/api/api-keys').then(({ createApiKey }) => createApiKey(gateway.env.apiKeysFile, 'other-provisioning', 'provisioning'));
    const theirs = await submit(undefined, token);
    const seenByMine = await list(`?since=${encodeURIComponent(since)}`, gateway.keys.provisioning);
    expect(seenByMine.items.map((item) => item.id)).toContain(mine.id);
    expect(seenByMine.items.map((item) => item.id)).not.toContain(theirs.id);
    expect(Object.values(seenByMine.counts).reduce((sum, n) => sum + n, 0)).toBe(seenByMine.items.length);
  });

  test.each([
    ['?status=lost', '/query/status'],
    ['?errorCode=Supplier%20rejected', '/query/errorCode'],
    ['?cursor=bm90LWEtY3Vyc29y', '/query/cursor'],
    ['?limit=1001', '/query/limit'],
    ['?since=yesterday', '/query/since'],
  ])('GET /v1/transfers%s is a 400 at %s', async (query, pointer) => {
    const answer = await api(gateway, 'GET', `/v1/transfers${query}`, { token: gateway.keys.ops });
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([expect.objectContaining({ pointer })]);
  });
});

describe('retrying one transfer', () => {
  test('a failed transfer goes back on the queue with fresh attempts, is looked up first and delivered once; the ops key is recorded', async () => {
    const transfer = await unavailable();
    const answer = await api(gateway, 'POST', `/v1/transfers/${transfer.id}/retry`, { token: gateway.keys.ops });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: transfer.id, status: 'queued' });
    expect(await transferStatus(gateway, transfer.id, finalStatuses)).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
    expect(registered(transfer.domain)).toHaveLength(1);
    const audit = await sql('select api_key_name, action from ops_actions where transfer_id = $1', [transfer.id], await schemaOf());
    expect(audit).toEqual([{ api_key_name: 'test-ops', action: 'retry' }]);
  });

  test('an unknown transfer is looked up, not sent again: the supplier got it after all', async () => {
    // The registration lands but its answer is lost, and the lookups after it fail: the outcome stays unknown.
    await settled();
    gateway.sandbox.faults.inject({ kind: 'drop_response', method: 'POST', path: '/domains' });
    gateway.sandbox.faults.inject({ kind: 'server_error', status: 503, method: 'GET', path: '/domains', count: 5 });
    const transfer = await submit();
    expect(await transferStatus(gateway, transfer.id, finalStatuses)).toMatchObject({ status: 'unknown', lastError: { code: 'delivery.outcome_unknown' } });
    gateway.sandbox.faults.clear();

    expect((await api(gateway, 'POST', `/v1/transfers/${transfer.id}/retry`, { token: gateway.keys.ops })).status).toBe(200);
    expect(await transferStatus(gateway, transfer.id, finalStatuses)).toMatchObject({ status: 'delivered' });
    expect(registered(transfer.domain)).toHaveLength(1);
    const entries = await sharesOfTransfer(gateway, transfer.subjectId, transfer.id);
    expect(entries.at(-1)).toMatchObject({ event: 'delivery.succeeded', confirmedBy: 'lookup' });
  });

  test('delivered, queued and cancelled transfers are not retried (409); an unknown id is a 404', async () => {
    const delivered = await submit();
    await transferStatus(gateway, delivered.id, ['delivered']);
    const retry = (id: string) => api(gateway, 'POST', `/v1/transfers/${id}/retry`, { token: gateway.keys.ops });
    expect((await retry(delivered.id)).status).toBe(409);
    await api(gateway, 'POST', '/v1/suppliers/openprovider/pause', { token: gateway.keys.ops });
    try {
      const queued = await submit();
      const conflict = await retry(queued.id);
      expect(conflict.status).toBe(409);
      expect(conflict.json).toMatchObject({ type: expect.stringContaining('not-retryable'), detail: expect.stringContaining('queued') });
      expect((await api(gateway, 'POST', `/v1/transfers/${queued.id}/cancel`, { token: gateway.keys.ops })).status).toBe(200);
      expect((await retry(queued.id)).status).toBe(409);
    } finally {
      await api(gateway, 'POST', '/v1/suppliers/openprovider/resume', { token: gateway.keys.ops });
    }
    expect((await retry('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  test('two retries of one transfer at once: one is taken, the other refused; one delivery', async () => {
    const transfer = await unavailable();
    const answers = await Promise.all([1, 2].map(() => api(gateway, 'POST', `/v1/transfers/${transfer.id}/retry`, { token: gateway.keys.ops })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    await transferStatus(gateway, transfer.id, ['delivered']);
    expect(registered(transfer.domain)).toHaveLength(1);
  });
});

describe('cancelling', () => {
  test('a queued transfer: its job is removed, its payload destroyed, the shares log names who cancelled it, nothing is sent', async () => {
    await api(gateway, 'POST', '/v1/suppliers/openprovider/pause', { token: gateway.keys.ops });
    let transfer: Awaited<ReturnType<typeof submit>>;
    try {
      transfer = await submit();
      const answer = await api(gateway, 'POST', `/v1/transfers/${transfer.id}/cancel`, { token: gateway.keys.ops });
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ id: transfer.id, status: 'cancelled' });
    } finally {
      await api(gateway, 'POST', '/v1/suppliers/openprovider/resume', { token: gateway.keys.ops });
    }
    const [row] = await sql('select status, wrapped_key, sealed_payload from transfers where id = $1', [transfer.id], await schemaOf());
    expect(row).toEqual({ status: 'cancelled', wrapped_key: null, sealed_payload: null });
    const supplier = await api(gateway, 'GET', '/v1/suppliers/openprovider', { token: gateway.keys.ops });
    expect(supplier.json.counts.waiting).toBe(0);
    const entries = await sharesOfTransfer(gateway, transfer.subjectId, transfer.id);
    expect(entries).toEqual([expect.objectContaining({ event: 'transfer.cancelled', previousStatus: 'queued', apiKeyId: expect.any(String) })]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(registered(transfer.domain)).toHaveLength(0);
  });

  test('a failed transfer can be cancelled; delivered and unknown ones cannot (409)', async () => {
    const failed = await rejected();
    expect((await api(gateway, 'POST', `/v1/transfers/${failed.id}/cancel`, { token: gateway.keys.ops })).json).toMatchObject({ status: 'cancelled' });
    expect((await api(gateway, 'POST', `/v1/transfers/${failed.id}/cancel`, { token: gateway.keys.ops })).status).toBe(409);
    const delivered = await submit();
    await transferStatus(gateway, delivered.id, ['delivered']);
    expect((await api(gateway, 'POST', `/v1/transfers/${delivered.id}/cancel`, { token: gateway.keys.ops })).status).toBe(409);
  });
});

describe('bulk retry', () => {
  test('retries exactly the transfers the filter matches; a dry run changes nothing', async () => {
    const since = new Date().toISOString();
    const down = [await unavailable(), await unavailable(), await unavailable()];
    const taken = await rejected();
    const filter = { errorCode: 'supplier.unavailable', since };
    const statuses = async () => Promise.all([...down, taken].map(async ({ id }) => (await api(gateway, 'GET', `/v1/transfers/${id}`, { token: gateway.keys.ops })).json.status));

    const dry = await api(gateway, 'POST', '/v1/transfers/retry', { token: gateway.keys.ops, body: { filter, dryRun: true } });
    expect(dry.status).toBe(200);
    expect(dry.json).toEqual({ matched: 3, retried: 0, nextCursor: null });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statuses()).toEqual(['failed', 'failed', 'failed', 'failed']);

    const real = await api(gateway, 'POST', '/v1/transfers/retry', { token: gateway.keys.ops, body: { filter } });
    expect(real.json).toMatchObject({ matched: 3, retried: 3 });
    for (const { id } of down) expect(await transferStatus(gateway, id, finalStatuses)).toMatchObject({ status: 'delivered' });
    expect((await api(gateway, 'GET', `/v1/transfers/${taken.id}`, { token: gateway.keys.ops })).json).toMatchObject({ status: 'failed' });
    const audit = await sql(`select count(*)::int as n from ops_actions where action = 'retry' and filter ->> 'errorCode' = 'supplier.unavailable' and transfer_id = any($1)`, [down.map(({ id }) => id)], await schemaOf());
    expect(audit).toEqual([{ n: 3 }]);
  });

  test('a limit retries at most that many, oldest first; the next batch goes on from its cursor, never taking one twice', async () => {
    const since = new Date().toISOString();
    const taken = await rejected();
    const down = await unavailable();
    const filter = { since, status: 'failed' };
    const first = await api(gateway, 'POST', '/v1/transfers/retry', { token: gateway.keys.ops, body: { filter, limit: 1 } });
    expect(first.json).toEqual({ matched: 2, retried: 1, nextCursor: expect.any(String) });
    // The taken domain fails again at once: it matches the filter again, but lies before the cursor.
    await waitFor(async () => (await api(gateway, 'GET', `/v1/transfers/${taken.id}`, { token: gateway.keys.ops })).json.attempts === 2, 'the second attempt');
    expect(await transferStatus(gateway, taken.id, ['failed'])).toMatchObject({ attempts: 2 });
    expect((await api(gateway, 'GET', `/v1/transfers/${down.id}`, { token: gateway.keys.ops })).json).toMatchObject({ status: 'failed' });
    const second = await api(gateway, 'POST', '/v1/transfers/retry', { token: gateway.keys.ops, body: { filter, limit: 1, cursor: first.json.nextCursor } });
    expect(second.json).toMatchObject({ matched: 2, retried: 1 });
    expect(await transferStatus(gateway, down.id, finalStatuses)).toMatchObject({ status: 'delivered' });
    const third = await api(gateway, 'POST', '/v1/transfers/retry', { token: gateway.keys.ops, body: { filter, limit: 1, cursor: second.json.nextCursor } });
    expect(third.json).toEqual({ matched: 1, retried: 0, nextCursor: second.json.nextCursor });
  });

  test.each([
    [{}, '/filter', 'is required'],
    [{ filter: { status: 'delivered' } }, '/filter/status', ''],
    [{ filter: {}, dryRun: 'yes' }, '/dryRun', ''],
    [{ filter: { colour: 'red' } }, '/filter/colour', 'is not a field of a bulk retry'],
    [{ filter: { since: 'last week' } }, '/filter/since', ''],
    [{ filter: {}, cursor: 'bm90LWEtY3Vyc29y' }, '/cursor', 'a cursor this API gave out'],
  ])('body %j is a 422 at %s', async (body, pointer, detail) => {
    const answer = await api(gateway, 'POST', '/v1/transfers/retry', { token: gateway.keys.ops, body });
    expect(answer.status).toBe(422);
    expect(answer.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer, detail: expect.stringContaining(detail) })]));
  });
});

describe('suppliers', () => {
  test('GET /v1/suppliers shows each supplier with its queue, breaker and agreement', async () => {
    const answer = await api(gateway, 'GET', '/v1/suppliers', { token: gateway.keys.ops });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      items: [
        {
          id: 'openprovider',
          connector: 'openprovider',
          displayName: 'Openprovider',
          paused: false,
          breaker: 'closed',
          counts: { waiting: expect.any(Number), active: expect.any(Number), delayed: expect.any(Number), failed: expect.any(Number) },
          agreement: { reference: expect.any(String), validUntil: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) },
        },
      ],
    });
  });

  test('a breaker a stopped worker left open is shown closed once a worker starts: its own breaker starts closed', async () => {
    const queuePrefix = uniqueName('sgwtest');
    await publishBreakerState(gateway.redis, queuePrefix, 'openprovider', 'open', new Date(Date.now() + 60_000));
    const restarted = await startTestGateway({ env: { queuePrefix } });
    try {
      await waitFor(async () => (await api(restarted, 'GET', '/v1/suppliers', { token: restarted.keys.ops })).json.items[0].breaker === 'closed', 'the breaker shown closed');
    } finally {
      await restarted.close();
    }
  });

  test('pause holds the supplier\'s deliveries while intake goes on queuing; resume delivers them', async () => {
    const paused = await api(gateway, 'POST', '/v1/suppliers/openprovider/pause', { token: gateway.keys.ops });
    expect(paused.json).toMatchObject({ id: 'openprovider', paused: true });
    let transfers: Awaited<ReturnType<typeof submit>>[] = [];
    try {
      transfers = [await submit(), await submit(), await submit()];
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const { id, domain } of transfers) {
        expect((await api(gateway, 'GET', `/v1/transfers/${id}`, { token: gateway.keys.ops })).json).toMatchObject({ status: 'queued', attempts: 0 });
        expect(registered(domain)).toHaveLength(0);
      }
      expect((await api(gateway, 'GET', '/v1/suppliers', { token: gateway.keys.ops })).json.items[0]).toMatchObject({ paused: true, counts: { waiting: 3 } });
    } finally {
      const resumed = await api(gateway, 'POST', '/v1/suppliers/openprovider/resume', { token: gateway.keys.ops });
      expect(resumed.json).toMatchObject({ paused: false });
    }
    for (const { id, domain } of transfers) {
      await transferStatus(gateway, id, ['delivered']);
      expect(registered(domain)).toHaveLength(1);
    }
  });

  test('an unknown supplier is a 404', async () => {
    expect((await api(gateway, 'POST', '/v1/suppliers/nosuch/pause', { token: gateway.keys.ops })).status).toBe(404);
  });
});

test('an admin key may cancel too, and the ops action names it', async () => {
  const transfer = await rejected();
  expect((await api(gateway, 'POST', `/v1/transfers/${transfer.id}/cancel`, { token: gateway.keys.admin })).status).toBe(200);
  expect(await sql('select api_key_name, action from ops_actions where transfer_id = $1', [transfer.id], await schemaOf())).toEqual([{ api_key_name: 'test-admin', action: 'cancel' }]);
});
