import { parse } from 'csv-parse/sync';
import { subjectHash } from '../../src/crypto/sealing';
import { appendShares } from '../../src/shares/share-log';
import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

// Issue 12, point 5: GET /v1/shares as CSV (Accept: text/csv or ?format=csv), streamed, RFC 4180, the same
// filters as JSON, each read recorded.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

/** A delivered transfer of a new subject whose order reference is `reference`; the subject id. */
async function deliveredWithReference(reference: string): Promise<string> {
  const body = registerBody();
  body.basis.reference = reference;
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('csv-') } });
  expect(answer.status).toBe(202);
  await transferStatus(gateway, answer.json.id, ['delivered']);
  return body.subject.id;
}

const csvOf = async (query: string, headers: Record<string, string> = {}) => {
  const answer = await api(gateway, 'GET', `/v1/shares${query}`, { token: gateway.keys.privacy, headers });
  expect(answer.status).toBe(200);
  return answer;
};

test('one row per entry under a header, the same entries as JSON; a reference with a comma and quotes is quoted, quotes doubled', async () => {
  // Order references are the customer's printable text: commas and quotes are allowed, line breaks are not.
  const reference = 'order 12, "rush"';
  const subject = await deliveredWithReference(reference);
  const json = (await csvOf(`?subject=${subject}`)).json.items;
  const answer = await csvOf(`?subject=${subject}&format=csv`);
  expect(answer.type).toBe('text/csv; charset=utf-8');
  expect(answer.headers.get('content-disposition')).toBe('attachment; filename=shares.csv');
  expect(answer.text).toContain(',"order 12, ""rush""",');
  expect(answer.text.split('\r\n')).toHaveLength(json.length + 2);

  const rows = parse(answer.text, { columns: true }) as Record<string, string>[];
  expect(Object.keys(rows[0]).slice(0, 11)).toEqual(['seq', 'at', 'event', 'supplier', 'recipient', 'operation', 'transferId', 'subject', 'purpose', 'basisType', 'basisReference']);
  expect(rows.map((row) => [Number(row.seq), row.event, row.hash])).toEqual(json.map((entry: { seq: number; event: string; hash: string }) => [entry.seq, entry.event, entry.hash]));
  const [attempted, succeeded] = rows;
  expect(attempted).toMatchObject({
    subject: subjectHash(gateway.env.subjectHashKey, subject),
    basisType: 'contract',
    basisReference: reference,
    fieldsWithheld: '/data/registrant/dateOfBirth /data/registrant/bankAccount',
    categories: json[0].categories.join(' '),
    attempt: '1',
    supplierReference: '',
  });
  expect(succeeded).toMatchObject({ supplierReference: json[1].supplierReference, confirmedBy: 'delivery', errorCode: '' });
});

test('a value a spreadsheet would run as a formula starts with an apostrophe', async () => {
  const subject = await deliveredWithReference('=HYPERLINK("https://example.nl")');
  const [row] = parse((await csvOf(`?subject=${subject}&format=csv`)).text, { columns: true }) as Record<string, string>[];
  expect(row.basisReference).toBe(`'=HYPERLINK("https://example.nl")`);
});

test('Accept: text/csv asks for it too; format=json wins over Accept', async () => {
  const subject = await deliveredWithReference(uniqueName('order-'));
  const byParameter = await csvOf(`?subject=${subject}&format=csv`);
  const byAccept = await csvOf(`?subject=${subject}`, { accept: 'text/csv' });
  expect(byAccept.type).toBe('text/csv; charset=utf-8');
  expect(byAccept.text).toBe(byParameter.text);
  expect((await csvOf(`?subject=${subject}&format=json`, { accept: 'text/csv' })).json.items).toHaveLength(2);
});

test('streams every matching entry across pages, in seq order; other filters apply as for JSON', async () => {
  const subject = uniqueName('bulk-');
  const event = {
    event: 'delivery.attempted' as const,
    transferId: '00000000-0000-4000-8000-000000000001',
    supplier: 'openprovider',
    recipient: 'Openprovider B.V.',
    operation: 'domain.register',
    purpose: 'domain_registration',
    basis: { type: 'contract', reference: 'order-bulk' },
    subject: subjectHash(gateway.env.subjectHashKey, subject),
    agreementReference: 'DPA-OPENPROVIDER-2026-01',
    schemaId: 'https://schemas.supplier-gateway.local/openprovider/v1/domain.register.request.schema.json',
    fieldsShared: ['/data/domain'],
    fieldsWithheld: [],
    categories: ['user.unique_id'],
  };
  // More than two pages of the 1,000 entries the stream reads at a time.
  await appendShares(gateway.db, Array.from({ length: 2100 }, (_, index) => ({ ...event, attempt: index + 1 })));
  const rows = parse((await csvOf(`?subject=${subject}&format=csv`)).text, { columns: true }) as Record<string, string>[];
  expect(rows.map((row) => Number(row.attempt))).toEqual(Array.from({ length: 2100 }, (_, index) => index + 1));
  const seqs = rows.map((row) => Number(row.seq));
  expect(seqs.every((seq, index) => index === 0 || seq === seqs[index - 1] + 1)).toBe(true);
  expect(parse((await csvOf(`?subject=${subject}&supplier=other&format=csv`)).text)).toHaveLength(1);
});

test('limit and cursor page JSON only: with CSV they are refused by pointer', async () => {
  const answer = await api(gateway, 'GET', '/v1/shares?format=csv&limit=5&cursor=MQ', { token: gateway.keys.privacy });
  expect(answer).toMatchObject({ status: 400, json: { errors: [{ pointer: '/query/limit' }, { pointer: '/query/cursor' }] } });
});

test('each CSV read is recorded as a read of the shares log, with its filter and the subject hashed', async () => {
  const subject = uniqueName('cust-');
  await csvOf(`?subject=${subject}&supplier=openprovider`, { accept: 'text/csv' });
  const [latest] = (await api(gateway, 'GET', '/v1/consultations?limit=1', { token: gateway.keys.admin })).json.items;
  expect(latest).toMatchObject({ apiKeyName: 'test-privacy', resource: 'shares', filter: { subjectHash: subjectHash(gateway.env.subjectHashKey, subject), supplier: 'openprovider' } });
});
