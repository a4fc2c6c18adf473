import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';

// Issue 12, point 3: a supplier that received the subject's data but is no longer in the suppliers file cannot be
// asked through a connector. Its recipient fails at once, saying so; the erasure completes, and intake takes the
// subject again, rather than wait for a worker that will never come.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

test('a recipient no longer configured: failed at once with the reason; the others asked; the erasure completes', async () => {
  const subject = uniqueName('cust-');
  const body = registerBody(subject);
  const accepted = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('gone-') } });
  await transferStatus(gateway, accepted.json.id, ['delivered']);
  // An earlier transfer of the subject to a supplier this gateway no longer has: its row and its attempt's entry, as that gateway left them.
  await gateway.db.query(
    `insert into transfers (id, api_key_id, idempotency_key, request_hash, supplier, operation, schema_id, agreement_reference, subject_hash, purpose,
       basis_type, basis_reference, fields_shared, fields_withheld, categories, status, attempts)
     select gen_random_uuid(), api_key_id, idempotency_key || '-old', request_hash, 'oldregistrar', operation, schema_id, agreement_reference, subject_hash, purpose,
       basis_type, basis_reference, fields_shared, fields_withheld, categories, 'delivered', 1
     from transfers where id = $1`,
    [accepted.json.id],
  );
  const [old] = await gateway.db.query<{ id: string; subject_hash: string }>(`select id, subject_hash from transfers where supplier = 'oldregistrar'`);
  await gateway.db.query(
    `select sgw_append_shares(array[jsonb_build_object('v', 1, 'at', now(), 'event', 'delivery.attempted', 'transferId', $1::text, 'supplier', 'oldregistrar',
       'recipient', 'Old Registrar B.V.', 'subject', $2::text, 'attempt', 1)::text])`,
    [old.id, old.subject_hash],
  );

  const started = await api(gateway, 'POST', `/v1/subjects/${subject}/erasure`, { token: gateway.keys.privacy, body: { reference: 'ticket-gone', reason: 'consent_withdrawn' } });
  expect(started.status).toBe(202);
  const settled = await waitFor(async () => {
    const statement = (await api(gateway, 'GET', `/v1/erasures/${started.json.id}`, { token: gateway.keys.privacy })).json;
    return statement.status === 'completed' ? statement : undefined;
  }, 'the erasure to complete');
  expect(settled.recipients).toEqual([
    expect.objectContaining({ supplier: 'oldregistrar', status: 'failed', reason: expect.stringContaining('not in the suppliers file') }),
    expect.objectContaining({ supplier: 'openprovider', status: 'retained' }),
  ]);
  const again = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(subject), headers: { 'idempotency-key': uniqueName('gone-') } });
  expect(again.status).toBe(202);
});
