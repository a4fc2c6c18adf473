import { api, leakedCanaries, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

/** `key: null` sends no Idempotency-Key. */
const post = (body: unknown, key: string | null = uniqueName('key-'), token = gateway.keys.provisioning) =>
  api(gateway, 'POST', '/v1/transfers', { token, body, headers: key === null ? {} : { 'idempotency-key': key } });

describe('POST /v1/transfers: who may call', () => {
  test('without a key: 401 problem+json', async () => {
    const answer = await api(gateway, 'POST', '/v1/transfers', { body: registerBody(), headers: { 'idempotency-key': 'k' } });
    expect(answer.status).toBe(401);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  });

  test('an unknown key: 401', async () => {
    expect((await post(registerBody(), 'k', 'sgw_not-a-real-token')).status).toBe(401);
  });

  test('the wrong role: 403 for privacy and ops keys', async () => {
    for (const role of ['privacy', 'ops'] as const) {
      const answer = await post(registerBody(), undefined, gateway.keys[role]);
      expect(answer.status).toBe(403);
      expect(answer.json.type).toMatch(/forbidden$/);
    }
  });
});

describe('POST /v1/transfers: bad input gets a clear problem, never a 500', () => {
  test('no Idempotency-Key: 400', async () => {
    const answer = await post(registerBody(), null);
    expect(answer.status).toBe(400);
    expect(answer.json.detail).toMatch(/Idempotency-Key/);
  });

  test('malformed JSON: 400', async () => {
    const answer = await api(gateway, 'POST', '/v1/transfers', {
      token: gateway.keys.provisioning,
      raw: '{"supplier": ',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k-bad' },
    });
    expect(answer.status).toBe(400);
    expect(answer.type).toContain('application/problem+json');
  });

  test('not JSON: 415', async () => {
    const answer = await api(gateway, 'POST', '/v1/transfers', {
      token: gateway.keys.provisioning,
      raw: 'supplier=openprovider',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'k-form' },
    });
    expect(answer.status).toBe(415);
  });

  test('a body over 256 KB: 413', async () => {
    const body = registerBody();
    (body.data as Record<string, unknown>).padding = 'x'.repeat(300 * 1024);
    expect((await post(body)).status).toBe(413);
  });

  test('unknown supplier or operation: 404', async () => {
    expect((await post({ ...registerBody(), supplier: 'no-such-supplier' })).status).toBe(404);
    expect((await post({ ...registerBody(), operation: 'domain.transfer' })).status).toBe(404);
  });

  test('an envelope field missing or unknown: 422 at its pointer', async () => {
    const { purpose: _purpose, ...body } = registerBody();
    const answer = await post({ ...body, colour: 'blue' });
    expect(answer.status).toBe(422);
    expect(answer.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: '/purpose' }), expect.objectContaining({ pointer: '/colour' })]));
  });

  test('a contract basis without its order reference: 422', async () => {
    const answer = await post({ ...registerBody(), basis: { type: 'contract' } });
    expect(answer.status).toBe(422);
    expect(answer.json.errors).toEqual([{ pointer: '/basis/reference', detail: 'is required' }]);
  });

  test('an invalid payload: 422 listing every violation by pointer, echoing no value', async () => {
    const body = registerBody();
    const registrant = body.data.registrant as Record<string, any>;
    delete registrant.email;
    registrant.address.country = 'Netherlands';
    registrant.phone = '020 123 4567';
    body.data.period = 0;
    const answer = await post(body);
    expect(answer.status).toBe(422);
    expect(answer.type).toContain('application/problem+json');
    const pointers = answer.json.errors.map((error: { pointer: string }) => error.pointer).sort();
    expect(pointers).toEqual(['/data/period', '/data/registrant/address/country', '/data/registrant/email', '/data/registrant/phone']);
    expect(leakedCanaries(answer.text)).toEqual([]);
    expect(answer.text).not.toContain('Netherlands');
    expect(answer.text).not.toContain('020 123 4567');
  });
});

describe('POST /v1/transfers: the agreement decides', () => {
  test('a purpose the agreement does not cover: 403, and the refusal is in the shares log', async () => {
    const body = { ...registerBody(), purpose: 'marketing' };
    const answer = await post(body);
    expect(answer.status).toBe(403);
    expect(answer.json.type).toMatch(/purpose-not-covered$/);
    expect(answer.text).not.toContain('marketing');
    const shares = await api(gateway, 'GET', `/v1/shares?subject=${encodeURIComponent(body.subject.id)}`, { token: gateway.keys.privacy });
    expect(shares.json.items).toEqual([expect.objectContaining({ event: 'transfer.refused', reason: 'purpose-not-covered', supplier: 'openprovider' })]);
  });

  test('a basis the agreement does not cover for the purpose: 403', async () => {
    const answer = await post({ ...registerBody(), basis: { type: 'legitimate_interest' } });
    expect(answer.status).toBe(403);
    expect(answer.json.type).toMatch(/basis-not-covered$/);
  });
});

describe('POST /v1/transfers: accepted', () => {
  test('202 with the fields shared and withheld, then delivered to the sandbox and logged', async () => {
    const body = registerBody();
    const answer = await post(body);
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ status: 'queued', supplier: 'openprovider', operation: 'domain.register' });
    expect([...answer.json.fieldsWithheld].sort()).toEqual(['/data/registrant/bankAccount', '/data/registrant/dateOfBirth']);
    expect(answer.json.fieldsShared).toEqual(expect.arrayContaining(['/data/registrant/email', '/data/registrant/address/country', '/data/domain']));
    expect(leakedCanaries(answer.text)).toEqual([]);
    // An API's security headers; none of those meant for pages rendered in a browser.
    expect(answer.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(answer.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(answer.headers.get('x-xss-protection')).toBeNull();

    const delivered = await transferStatus(gateway, answer.json.id, ['delivered']);
    expect(delivered).toMatchObject({ attempts: 1, lastError: null });
    const [domain] = gateway.sandbox.domains().filter((registered) => registered.name === body.data.domain);
    expect(delivered.supplierReference).toBe(String(domain.id));

    const shares = await api(gateway, 'GET', `/v1/shares?subject=${encodeURIComponent(body.subject.id)}`, { token: gateway.keys.privacy });
    expect(shares.json.items.map((entry: { event: string }) => entry.event)).toEqual(['delivery.attempted', 'delivery.succeeded']);
    expect(shares.json.items[1]).toMatchObject({
      transferId: answer.json.id,
      recipient: 'Openprovider B.V.',
      basis: body.basis,
      supplierReference: delivered.supplierReference,
      sentDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
      categories: expect.arrayContaining(['user.contact.email', 'user.name.first']),
      fieldsWithheld: answer.json.fieldsWithheld,
    });
    expect(shares.text).not.toContain(body.subject.id);
    expect(leakedCanaries(shares.text)).toEqual([]);
  });

  test('the same key and body replays the first answer; another body under the key is 422', async () => {
    const body = registerBody();
    const first = await post(body, 'replay-key');
    const again = await post(body, 'replay-key');
    expect(again.status).toBe(202);
    expect(again.json).toEqual(first.json);
    const other = await post(registerBody(), 'replay-key');
    expect(other.status).toBe(422);
    expect(other.json.type).toMatch(/idempotency-key-reused$/);
  });

  test('keys are per API key: another caller may use the same Idempotency-Key', async () => {
    const first = await post(registerBody(), 'shared-key');
    const otherCaller = await post(registerBody(), 'shared-key', gateway.keys.admin);
    expect(otherCaller.status).toBe(202);
    expect(otherCaller.json.id).not.toBe(first.json.id);
  });

  test('concurrent duplicates: one transfer, the others 409 or the same answer', async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const body = registerBody();
      const key = uniqueName('dup-');
      const answers = await Promise.all([post(body, key), post(body, key), post(body, key)]);
      statuses.push(...answers.map((answer) => answer.status));
      const ids = new Set(answers.filter((answer) => answer.status === 202).map((answer) => answer.json.id));
      expect(ids.size).toBe(1);
      for (const answer of answers) expect([202, 409]).toContain(answer.status);
    }
    expect(statuses).toContain(409);
    const [{ count }] = await gateway.db.query<{ count: string }>(`select count(*) from transfers where idempotency_key like 'dup-%'`);
    expect(Number(count)).toBe(10);
  });
});

describe('GET /v1/transfers/:id', () => {
  test('provisioning sees its own transfers only; ops sees all, without personal data', async () => {
    const mine = await post(registerBody());
    const byAdmin = await post(registerBody(), undefined, gateway.keys.admin);
    expect((await api(gateway, 'GET', `/v1/transfers/${mine.json.id}`, { token: gateway.keys.provisioning })).status).toBe(200);
    expect((await api(gateway, 'GET', `/v1/transfers/${byAdmin.json.id}`, { token: gateway.keys.provisioning })).status).toBe(404);
    const seenByOps = await api(gateway, 'GET', `/v1/transfers/${byAdmin.json.id}`, { token: gateway.keys.ops });
    expect(seenByOps.status).toBe(200);
    expect(Object.keys(seenByOps.json).sort()).toEqual(
      ['attempts', 'createdAt', 'fieldsShared', 'fieldsWithheld', 'id', 'lastError', 'nextAttemptAt', 'operation', 'status', 'supplier', 'supplierReference', 'updatedAt'].sort(),
    );
    expect(leakedCanaries(seenByOps.text)).toEqual([]);
    expect((await api(gateway, 'GET', '/v1/transfers/not-a-uuid', { token: gateway.keys.ops })).status).toBe(404);
  });
});
