import { unseal, unsealPayload } from '../../src/crypto/sealing';
import { api, leakedCanaries, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { redisDump, sql, uniqueName, waitFor } from '../support/services';

// Issue 12, point 3: erasure through a real port, Redis, PostgreSQL and the Openprovider sandbox over HTTP.

let gateway: TestGateway;
let schema: string;
beforeAll(async () => {
  // A failed attempt's retry is a minute away: such a transfer sits queued while the test erases its subject.
  gateway = await startTestGateway({ queue: { attempts: 3, backoff: { baseMs: 60_000, maxMs: 60_000 } } });
  [{ schema }] = await gateway.db.query<{ schema: string }>('select current_schema() as schema');
});
afterAll(() => gateway.close());

const privacy = () => ({ token: gateway.keys.privacy });

async function post(subject: string, domain?: string) {
  const body = registerBody(subject, domain);
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('erasure-') } });
  return { answer, id: answer.json?.id as string, domain: body.data.domain };
}

async function transfer(subject: string, want: string[], domain?: string) {
  const posted = await post(subject, domain);
  expect(posted.answer.status).toBe(202);
  await transferStatus(gateway, posted.id, want);
  return posted;
}

const erase = (subject: string, body: unknown = { reference: uniqueName('ticket-'), reason: 'consent_withdrawn' }) =>
  api(gateway, 'POST', `/v1/subjects/${encodeURIComponent(subject)}/erasure`, { ...privacy(), body });

const statement = (id: string) => api(gateway, 'GET', `/v1/erasures/${id}`, privacy());

const completed = (id: string) => waitFor(async () => ((await statement(id)).json.status === 'completed' ? (await statement(id)).json : undefined), 'the erasure to complete');

const rowsOf = (ids: string[]) =>
  gateway.db.query<{ id: string; status: string; wrapped_key: Uint8Array | null; sealed_payload: Uint8Array | null; last_error_code: string | null; attempts: number; delivery_state: Record<string, string> }>(
    'select id, status, wrapped_key, sealed_payload, last_error_code, attempts, delivery_state from transfers where id = any($1)',
    [ids],
  );

const handles = () => gateway.sandbox.customers().map((customer) => customer.handle);

test("erasure shreds the subject's payloads, cancels its pending transfers, asks the supplier and says what stays and why; another subject is untouched", async () => {
  const [subject, other] = [uniqueName('cust-a-'), uniqueName('cust-b-')];
  const delivered = await transfer(subject, ['delivered']);
  const failed = await transfer(subject, ['failed'], `taken-${uniqueName('x-')}.nl`);
  // Its first attempt made the registrant a customer before the domain request failed; the retry waits a minute.
  gateway.sandbox.faults.inject({ kind: 'server_error', status: 503, method: 'POST', path: '/domains' });
  const waiting = await post(subject);
  await waitFor(async () => (await rowsOf([waiting.id]))[0].attempts === 1 && (await transferStatus(gateway, waiting.id, ['queued'])), 'the first attempt to fail');
  const othersDelivered = await transfer(other, ['delivered']);
  await api(gateway, 'POST', '/v1/suppliers/openprovider/pause', { token: gateway.keys.ops });
  const [queued, othersQueued] = [await post(subject), await post(other)];
  await waitFor(async () => (await gateway.deliveryQueue.getJob(queued.id)) && (await gateway.deliveryQueue.getJob(othersQueued.id)), 'the queued jobs');
  const waitingHandle = (await rowsOf([waiting.id]))[0].delivery_state.customerHandle;
  const [deliveredHandle] = gateway.sandbox.customers().filter((customer) => customer.domainIds.length && handles().includes(customer.handle)).map((customer) => customer.handle);
  const customersBefore = handles();
  expect(customersBefore).toContain(waitingHandle);

  const started = await erase(subject);
  expect(started.status).toBe(202);
  const id = started.json.id as string;
  expect(started.headers.get('location')).toBe(`/v1/erasures/${id}`);
  expect(started.json).toMatchObject({ status: 'running', erasedLocally: { payloadsErased: 4, transfersCancelled: 3 } });

  // By the 202: every data key of the subject is gone; the sealed bytes that remain do not open with the master key.
  const subjectIds = [delivered.id, failed.id, waiting.id, queued.id];
  const rows = await rowsOf(subjectIds);
  for (const row of rows) {
    expect(row.wrapped_key).toBeNull();
    if (row.sealed_payload) expect(() => unseal(gateway.env.masterKey, Buffer.from(row.sealed_payload!), row.id)).toThrow();
  }
  expect(rows.find((row) => row.id === delivered.id)).toMatchObject({ status: 'delivered', sealed_payload: expect.anything() });
  for (const cancelled of [failed.id, waiting.id, queued.id]) {
    expect(rows.find((row) => row.id === cancelled)).toMatchObject({ status: 'cancelled', last_error_code: 'gateway.payload_erased' });
    expect(await gateway.deliveryQueue.getJob(cancelled)).toBeUndefined();
  }
  // The other subject keeps its keys, payloads and jobs.
  const othersRows = await rowsOf([othersDelivered.id, othersQueued.id]);
  for (const row of othersRows) expect(unsealPayload(gateway.env.masterKey, row.id, { wrappedKey: Buffer.from(row.wrapped_key!), sealedPayload: Buffer.from(row.sealed_payload!) }).length).toBeGreaterThan(0);
  expect(await gateway.deliveryQueue.getJob(othersQueued.id)).toBeDefined();

  // The supplier step: the customer of the waiting transfer is deleted; the delivered domain's owner is kept, with the registry's reason.
  const done = await completed(id);
  expect(done.recipients).toEqual([
    {
      supplier: 'openprovider',
      recipient: 'Openprovider B.V.',
      status: 'retained',
      reason: expect.stringMatching(/registry requires the registrant's data for as long as the domain exists/),
      attempts: 1,
      updatedAt: expect.any(String),
      records: [
        { transferId: delivered.id, status: 'retained', reason: expect.stringMatching(/owner of 1 registered domain/) },
        { transferId: failed.id, status: 'not_found', reason: expect.any(String) },
        { transferId: waiting.id, status: 'completed', reason: expect.any(String) },
      ],
    },
  ]);
  expect(handles()).not.toContain(waitingHandle);
  expect(handles()).toEqual(customersBefore.filter((handle) => handle !== waitingHandle));
  expect(handles()).toContain(deliveredHandle);
  expect(done.retainedLocally).toEqual([
    expect.objectContaining({ record: 'shares_log', holdsPersonalValues: false, legalGround: expect.stringMatching(/Art\. 5\(2\).*Art\. 30/), keepUntil: null, count: expect.any(Number) }),
  ]);

  // What was queued never reaches the supplier; the other subject's transfer does.
  await api(gateway, 'POST', '/v1/suppliers/openprovider/resume', { token: gateway.keys.ops });
  await transferStatus(gateway, othersQueued.id, ['delivered']);
  expect(await transferStatus(gateway, queued.id, ['cancelled'])).toMatchObject({ attempts: 0 });
  expect(gateway.sandbox.domains().map((domain) => domain.name)).not.toContain(queued.domain);

  // The subject's share entries stay, and each step is one more.
  const entries = (await api(gateway, 'GET', `/v1/shares?subject=${subject}`, privacy())).json.items as { event: string; transferId?: string; erasureId?: string }[];
  expect(entries.filter((entry) => entry.transferId === delivered.id).map((entry) => entry.event)).toEqual(['delivery.attempted', 'delivery.succeeded']);
  expect(entries.filter((entry) => entry.erasureId === id).map((entry) => entry.event)).toEqual([
    'erasure.requested',
    'transfer.cancelled',
    'transfer.cancelled',
    'transfer.cancelled',
    'erasure.keys_destroyed',
    'erasure.supplier_asked',
    'erasure.supplier_answered',
    'erasure.completed',
  ]);
  expect(done.retainedLocally[0].count).toBe(entries.length);

  // Every read of the statement is on record; nothing personal anywhere.
  const consulted = await sql(`select api_key_name, filter from log_consultations where resource = 'erasure'`, [], schema);
  expect(consulted.length).toBeGreaterThanOrEqual(2);
  expect(consulted).toContainEqual({ api_key_name: 'test-privacy', filter: { erasureId: id } });
  expect(leakedCanaries(JSON.stringify(done) + gateway.logs() + (await redisDump(gateway.env.queuePrefix)) + JSON.stringify(entries))).toEqual([]);
  expect(JSON.stringify(done)).not.toContain(subject);
});

test('a transfer in delivery when the erasure begins ends, and is then covered by the supplier step', async () => {
  const subject = uniqueName('cust-d-');
  const domainsAsked = gateway.sandbox.requests()['POST /domains'] ?? 0;
  gateway.sandbox.faults.inject({ kind: 'delay', method: 'POST', path: '/domains', delayMs: 1500 });
  const inFlight = await post(subject);
  await waitFor(async () => (gateway.sandbox.requests()['POST /domains'] ?? 0) > domainsAsked, 'the domain request to reach the supplier');

  const started = await erase(subject);
  expect(started.json.recipients).toMatchObject([{ supplier: 'openprovider', status: 'queued' }]);
  expect((await rowsOf([inFlight.id]))[0]).toMatchObject({ status: 'delivering', wrapped_key: null });
  const done = await completed(started.json.id);
  expect(await transferStatus(gateway, inFlight.id, ['delivered'])).toBeDefined();
  expect(done.recipients[0]).toMatchObject({ status: 'retained', records: [{ transferId: inFlight.id, status: 'retained' }] });
});

test('no transfer of the subject is accepted while its erasure runs, nor a second erasure; afterwards both are, under a new key', async () => {
  const subject = uniqueName('cust-c-');
  await transfer(subject, ['delivered']);
  // The supplier answers the erasure slowly: it is still running while the test knocks.
  gateway.sandbox.faults.inject({ kind: 'delay', method: 'DELETE', delayMs: 3000 });
  const started = await erase(subject);
  expect(started.status).toBe(202);

  const refused = await post(subject);
  expect(refused.answer).toMatchObject({ status: 409, json: { type: expect.stringMatching(/subject-being-erased$/) } });
  const again = await erase(subject);
  expect(again).toMatchObject({ status: 409, json: { type: expect.stringMatching(/erasure-running$/) } });
  expect(again.headers.get('location')).toBe(`/v1/erasures/${started.json.id}`);
  expect((await post(uniqueName('cust-e-'))).answer.status).toBe(202);
  expect((await statement(started.json.id)).json.status).toBe('running');

  await completed(started.json.id);
  const later = await transfer(subject, ['delivered']);
  const [row] = await rowsOf([later.id]);
  expect(row.wrapped_key).not.toBeNull();
  expect(leakedCanaries(unsealPayload(gateway.env.masterKey, row.id, { wrappedKey: Buffer.from(row.wrapped_key!), sealedPayload: Buffer.from(row.sealed_payload!) }).toString())).not.toEqual([]);
  expect((await erase(subject)).status).toBe(202);
});

test('an erasure of a subject no supplier received completes at once; bad input is refused by pointer; an unknown erasure is 404', async () => {
  const nothing = await erase(uniqueName('cust-none-'));
  expect(nothing).toMatchObject({ status: 202, json: { status: 'completed', recipients: [], erasedLocally: { payloadsErased: 0, transfersCancelled: 0 } } });

  const invalid = await erase(uniqueName('cust-'), { reference: '', reason: 'because', note: 'x' });
  expect(invalid.status).toBe(422);
  expect(invalid.json.errors.map((error: { pointer: string }) => error.pointer).sort()).toEqual(['/note', '/reason', '/reference']);
  const badPath = await erase('\u202ecust');
  expect(badPath).toMatchObject({ status: 400, json: { errors: [{ pointer: '/path/subjectId' }] } });
  expect((await api(gateway, 'GET', `/v1/erasures/${nothing.json.id}?subject=x`, privacy())).status).toBe(400);
  expect((await statement('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  expect((await statement('not-an-id')).status).toBe(404);
});
