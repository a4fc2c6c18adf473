import { loadAgreements, schemasDir } from '../../src/agreements/agreements';
import { subjectHash } from '../../src/crypto/sealing';
import { appendShares } from '../../src/shares/share-log';
import { findTransfer } from '../../src/transfers/transfer-store';
import { shareContext } from '../../workers/share-context';
import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

// Issue 12, points 1, 2 and 5: a subject's disclosures and the copy of what was sent list exactly that
// subject's shares, another subject's stay out, and every read is recorded and listed for admins.

let gateway: TestGateway;
const subject = uniqueName('cust-');
const other = uniqueName('cust-');
const made: Record<'delivered' | 'failed' | 'crashed' | 'cancelled' | 'otherSubject', { id: string; body: ReturnType<typeof registerBody> }> = {} as never;

async function submit(body: ReturnType<typeof registerBody>) {
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('reads-') } });
  expect(answer.status).toBe(202);
  return { id: answer.json.id as string, body };
}

const read = async (route: string, token = gateway.keys.privacy) => {
  const answer = await api(gateway, 'GET', route, { token });
  expect({ route, status: answer.status }).toEqual({ route, status: 200 });
  return answer;
};

const consultations = async (query = '') => (await read(`/v1/consultations${query}`, gateway.keys.admin)).json;

beforeAll(async () => {
  // One attempt: a supplier's refusal is final at once.
  gateway = await startTestGateway({ queue: { attempts: 1 } });
  made.delivered = await submit(registerBody(subject));
  await transferStatus(gateway, made.delivered.id, ['delivered']);
  made.otherSubject = await submit(registerBody(other));
  await transferStatus(gateway, made.otherSubject.id, ['delivered']);
  made.failed = await submit(registerBody(subject, `taken-${uniqueName('jansen-')}.nl`));
  await transferStatus(gateway, made.failed.id, ['failed']);

  // With deliveries paused: one transfer cancelled before any attempt, and one whose worker died right after
  // logging its attempt (the entry a crash leaves: attempted, no outcome).
  expect((await api(gateway, 'POST', '/v1/suppliers/openprovider/pause', { token: gateway.keys.ops })).status).toBe(200);
  made.cancelled = await submit(registerBody(subject));
  expect((await api(gateway, 'POST', `/v1/transfers/${made.cancelled.id}/cancel`, { token: gateway.keys.ops })).status).toBe(200);
  made.crashed = await submit(registerBody(subject));
  const crashed = (await findTransfer(gateway.db, made.crashed.id))!;
  await appendShares(gateway.db, [{ ...shareContext(crashed, loadAgreements(schemasDir).get('openprovider')!, 1), event: 'delivery.attempted' }]);

  // The subject's failed transfer is erased: its data key destroyed, as erasure does.
  await gateway.db.query('update transfers set wrapped_key = null where id = $1', [made.failed.id]);
});
afterAll(() => gateway.close());

/** What the agreement lets through of a request's data: dateOfBirth and bankAccount are withheld at intake. */
function minimised(body: ReturnType<typeof registerBody>) {
  const { dateOfBirth: _dateOfBirth, bankAccount: _bankAccount, ...registrant } = body.data.registrant;
  return { ...body.data, registrant };
}

describe('GET /v1/subjects/:subjectId/disclosures', () => {
  test("lists every share of the subject by recipient, with each transfer's terms and outcome; a transfer never attempted is none", async () => {
    const answer = await read(`/v1/subjects/${subject}/disclosures`);
    const delivered = await read(`/v1/transfers/${made.delivered.id}`, gateway.keys.ops);
    expect(answer.json.recipients).toHaveLength(1);
    const [recipient] = answer.json.recipients;
    expect(recipient).toMatchObject({ supplier: 'openprovider', legalName: 'Openprovider B.V.', role: 'processor', country: 'NL' });
    expect(recipient.transfers.map((transfer: { transferId: string }) => transfer.transferId)).toEqual([made.delivered.id, made.failed.id, made.crashed.id]);
    const [first, refused, crashed] = recipient.transfers;
    expect(first).toEqual({
      transferId: made.delivered.id,
      at: expect.any(String),
      operation: 'domain.register',
      purpose: 'domain_registration',
      basis: made.delivered.body.basis,
      agreementReference: 'DPA-OPENPROVIDER-2026-01',
      fieldsShared: expect.arrayContaining(['/data/domain', '/data/registrant/email', '/data/registrant/address/street']),
      categories: expect.arrayContaining(['user.contact.email', 'user.name.first', 'user.unique_id']),
      fieldsWithheld: ['/data/registrant/dateOfBirth', '/data/registrant/bankAccount'],
      outcome: 'delivered',
      supplierReference: delivered.json.supplierReference,
      shareEntries: [expect.any(Number), expect.any(Number)],
    });
    expect(refused).toMatchObject({ outcome: 'failed', supplierReference: null });
    expect(crashed).toMatchObject({ outcome: 'outcome unknown', shareEntries: [expect.any(Number)] });
    expect(answer.json.summary).toMatch(/^Openprovider B\.V\. \(Netherlands; a processor, acting on our instructions\) received data about you 3 times, /);
    expect(answer.json.summary).toContain('2 of these were not confirmed as delivered');
  });

  test("the shares named are the subject's own entries, and nothing of another subject appears", async () => {
    const answer = await read(`/v1/subjects/${subject}/disclosures`);
    const seqs = answer.json.recipients[0].transfers.flatMap((transfer: { shareEntries: number[] }) => transfer.shareEntries);
    const log = await read(`/v1/shares?subject=${subject}`);
    const deliveries = log.json.items.filter((entry: { event: string }) => entry.event.startsWith('delivery.'));
    expect(seqs.sort()).toEqual(deliveries.map((entry: { seq: number }) => entry.seq).sort());
    expect(answer.text).not.toContain(made.otherSubject.id);
    expect(answer.text).not.toContain(made.otherSubject.body.data.domain);
    expect((await read(`/v1/subjects/${other}/disclosures`)).json.recipients[0].transfers.map((transfer: { transferId: string }) => transfer.transferId)).toEqual([made.otherSubject.id]);
  });

  test('a subject nothing was shared about has no recipients, and is told so', async () => {
    expect((await read(`/v1/subjects/${uniqueName('nobody-')}/disclosures`)).json).toEqual({ recipients: [], summary: 'We have not shared data about you with any of our suppliers.' });
  });
});

describe('GET /v1/subjects/:subjectId/export', () => {
  test('gives the exact values sent in each attempted transfer, withheld fields absent; an erased one without values; a cancelled one as not sent', async () => {
    const answer = await read(`/v1/subjects/${subject}/export`);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const { sent, notSent } = answer.json;
    expect(sent.map((transfer: { transferId: string }) => transfer.transferId)).toEqual([made.delivered.id, made.failed.id, made.crashed.id]);
    expect(sent[0]).toEqual({
      transferId: made.delivered.id,
      supplier: 'openprovider',
      operation: 'domain.register',
      purpose: 'domain_registration',
      shareEntries: [
        { seq: expect.any(Number), event: 'delivery.attempted', at: expect.any(String) },
        { seq: expect.any(Number), event: 'delivery.succeeded', at: expect.any(String) },
      ],
      erased: false,
      data: minimised(made.delivered.body),
    });
    expect(sent[1]).toMatchObject({ transferId: made.failed.id, erased: true, data: null, shareEntries: [{ event: 'delivery.attempted' }, { event: 'delivery.failed' }] });
    expect(sent[2]).toMatchObject({ transferId: made.crashed.id, erased: false, data: minimised(made.crashed.body) });
    expect(notSent).toEqual([{ transferId: made.cancelled.id, supplier: 'openprovider', operation: 'domain.register', status: 'cancelled', createdAt: expect.any(String) }]);
    expect(answer.text).not.toContain(made.delivered.body.data.registrant.dateOfBirth);
    expect(answer.text).not.toContain(made.delivered.body.data.registrant.bankAccount);
    expect(answer.text).not.toContain(made.otherSubject.id);
    expect(answer.text).not.toContain(made.otherSubject.body.data.domain);
    expect(answer.text).not.toContain(made.failed.body.data.domain);
  });

  test('a subject id that no transfer request could carry is a 400 at /path/subjectId, and no read is recorded', async () => {
    const before = (await consultations()).items.length;
    for (const route of ['/v1/subjects/%07/export', `/v1/subjects/${'x'.repeat(201)}/disclosures`]) {
      const answer = await api(gateway, 'GET', route, { token: gateway.keys.privacy });
      expect(answer).toMatchObject({ status: 400, type: expect.stringContaining('application/problem+json'), json: { errors: [{ pointer: '/path/subjectId' }] } });
    }
    expect((await consultations()).items).toHaveLength(before);
  });
});

describe('GET /v1/consultations', () => {
  test('lists each read newest first: the key, what, and the subject hashed, never its id', async () => {
    const since = new Date().toISOString();
    await read(`/v1/subjects/${subject}/disclosures`);
    await read(`/v1/subjects/${other}/export`);
    await read(`/v1/shares?subject=${subject}&format=csv`);
    const { items } = await consultations(`?since=${encodeURIComponent(since)}`);
    const reader = { apiKeyId: expect.any(String), apiKeyName: 'test-privacy' };
    expect(items).toEqual([
      { id: expect.any(Number), at: expect.any(String), ...reader, resource: 'shares', filter: { subjectHash: subjectHash(gateway.env.subjectHashKey, subject) } },
      { id: expect.any(Number), at: expect.any(String), ...reader, resource: 'export', filter: { subjectHash: subjectHash(gateway.env.subjectHashKey, other) } },
      { id: expect.any(Number), at: expect.any(String), ...reader, resource: 'disclosures', filter: { subjectHash: subjectHash(gateway.env.subjectHashKey, subject) } },
    ]);
    const text = JSON.stringify(await consultations());
    for (const id of [subject, other]) expect(text).not.toContain(id);
  });

  test('filters by resource and time, and pages with a cursor that neither repeats nor skips', async () => {
    const exports = await consultations('?resource=export');
    expect(exports.items.length).toBeGreaterThanOrEqual(2);
    expect(exports.items.every((item: { resource: string }) => item.resource === 'export')).toBe(true);
    expect((await consultations(`?until=${encodeURIComponent(exports.items.at(-1).at)}&resource=export`)).items).toEqual([]);
    expect((await consultations(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items).toEqual([]);

    const all = (await consultations()).items;
    const paged = [];
    let cursor = '';
    do {
      const page = await consultations(`?limit=2${cursor && `&cursor=${cursor}`}`);
      paged.push(...page.items);
      cursor = page.nextCursor ?? '';
    } while (cursor);
    expect(paged).toEqual(all);
    expect(all.map((item: { id: number }) => item.id)).toEqual([...all.map((item: { id: number }) => item.id)].sort((a, b) => b - a));
  });

  test('refuses an unknown resource by pointer', async () => {
    const answer = await api(gateway, 'GET', '/v1/consultations?resource=transfers', { token: gateway.keys.admin });
    expect(answer).toMatchObject({ status: 400, json: { errors: [{ pointer: '/query/resource' }] } });
  });
});
