import { api, registerBody, startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

/** A request as loose data, to break it anywhere. */
type Body = Record<string, any>;

const post = (body: unknown) => api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('rule-') } });

/** A request changed by `change`, which may edit the body in place. */
function changed(change: (body: Body) => void): Body {
  const body: Body = registerBody();
  change(body);
  return body;
}

async function expectRefusedAt(body: unknown, pointer: string, hidden?: string) {
  const answer = await post(body);
  expect({ status: answer.status, errors: answer.json?.errors }).toEqual({ status: 422, errors: [{ pointer, detail: expect.any(String) }] });
  expect(answer.type).toContain('application/problem+json');
  if (hidden) expect(answer.text).not.toContain(hidden);
  return answer;
}

describe('the payload is refused at the door when the supplier would refuse it for good', () => {
  test.each(['+1000000', '+31000000000', '+15555555555', '+31 20 123 4567'])('phone %s: 422 at /data/registrant/phone', async (phone) => {
    await expectRefusedAt(
      changed((body) => (body.data.registrant.phone = phone)),
      '/data/registrant/phone',
      phone,
    );
  });

  test.each(['+31201234567', '+31612345678', '+442071838750', '+12015550123'])('phone %s is accepted', async (phone) => {
    expect((await post(changed((body) => (body.data.registrant.phone = phone)))).status).toBe(202);
  });

  test.each(['ns1', 'localhost', 'ns1.', '192.0.2.1', '-ns.example.net'])('name server %s: 422 at /data/nameServers/0', async (host) => {
    await expectRefusedAt(
      changed((body) => (body.data.nameServers = [host, 'ns2.example.net'])),
      '/data/nameServers/0',
    );
  });

  test('name servers of two or more labels, in any case, are accepted', async () => {
    expect((await post(changed((body) => (body.data.nameServers = ['ns1.example.net', 'NS2.Sub.Example.COM'])))).status).toBe(202);
  });

  test.each([
    ['firstName', '   '],
    ['lastName', '\t\n'],
    ['initials', '\u00a0'],
    ['companyName', ' \u3000 '],
  ])('a blank %s: 422 at its pointer', async (field, blank) => {
    await expectRefusedAt(
      changed((body) => (body.data.registrant[field] = blank)),
      `/data/registrant/${field}`,
    );
  });

  test.each(['street', 'city', 'postalCode', 'number'])('a blank address %s: 422 at its pointer', async (field) => {
    await expectRefusedAt(
      changed((body) => (body.data.registrant.address[field] = '  ')),
      `/data/registrant/address/${field}`,
    );
  });
});

describe('bounded work per request', () => {
  test('more than 100 withheld fields: 422 at /data, so the answer and the shares log stay bounded', async () => {
    const extra = Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`extra${index}`, 1]));
    await expectRefusedAt(changed((body) => Object.assign(body.data, extra)), '/data');
    const fewer = await post(changed((body) => Object.assign(body.data, Object.fromEntries(Object.entries(extra).slice(0, 98)))));
    expect(fewer.status).toBe(202);
    expect(fewer.json.fieldsWithheld).toHaveLength(100);
  });
});

describe('numbers', () => {
  const postText = (raw: string) =>
    api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, raw, headers: { 'content-type': 'application/json', 'idempotency-key': uniqueName('num-') } });

  test.each([
    ['1e400 as the period', '"period":1e400', '/data/period'],
    ['-1e999 in a withheld field', '"period":1,"note":-1e999', '/data/note'],
    ['401 digits in a withheld field', `"period":1,"big":1${'0'.repeat(400)}`, '/data/big'],
  ])('a number past the largest double, read as Infinity (%s): 422 at its pointer, never a 500', async (_label, replacement, pointer) => {
    const answer = await postText(JSON.stringify(registerBody()).replace('"period":1', replacement));
    expect({ status: answer.status, errors: answer.json?.errors }).toEqual({ status: 422, errors: [{ pointer, detail: expect.any(String) }] });
  });

  test('large and tiny numbers a double holds are read as numbers: -0, 1e308, 5e-324, 1e-400 (0) in a withheld field', async () => {
    const answer = await postText(JSON.stringify(registerBody()).replace('"period":1', '"period":1,"note":[-0,1e308,5e-324,1e-400,123456789012345678901234567890]'));
    expect(answer.status).toBe(202);
    expect(answer.json.fieldsWithheld).toContain('/data/note');
  });
});

/** Text that must never reach the shares log: a terminal escape, bidi overrides, a BOM, a lone surrogate, a line separator. */
const unprintable = ['order-\u001b[31mred', 'order-\u202eevil', 'order-\u2066x\u2069', '\ufefforder', 'order-\ud800', 'order\u2028next', 'order\u0000', '\u200b'];

describe('references are printable and bounded', () => {
  test.each(unprintable.map((text) => [JSON.stringify(text), text]))('basis.reference %s: 422, and nothing reaches the shares log', async (_label, reference) => {
    // A purpose the agreement does not cover: the refusal would be logged with its reference if intake let it through.
    const body = changed((request) => {
      request.purpose = 'marketing';
      request.basis.reference = reference;
    });
    await expectRefusedAt(body, '/basis/reference');
    const shares = await api(gateway, 'GET', `/v1/shares?subject=${encodeURIComponent(body.subject.id)}`, { token: gateway.keys.privacy });
    expect(shares.status).toBe(200);
    expect(shares.json.items).toEqual([]);
  });

  test.each(unprintable.map((text) => [JSON.stringify(text), text]))('subject.id %s: 422', async (_label, id) => {
    await expectRefusedAt(
      changed((body) => (body.subject.id = id)),
      '/subject/id',
    );
  });

  test('longer than 200 characters: 422', async () => {
    await expectRefusedAt(
      changed((body) => (body.basis.reference = 'r'.repeat(201))),
      '/basis/reference',
    );
    await expectRefusedAt(
      changed((body) => (body.subject.id = 's'.repeat(201))),
      '/subject/id',
    );
  });

  test('printable text in any script, with spaces and punctuation, is accepted', async () => {
    const answer = await post(
      changed((body) => {
        body.basis.reference = 'Bestelling #2026/0001 (ü, 注文, طلب)';
        body.subject.id = `klant 1001 · ${uniqueName('')}`;
      }),
    );
    expect(answer.status).toBe(202);
  });
});

describe('an error names an unknown key only when it has the shape of a field name', () => {
  test('an unknown top-level key that is an e-mail address is reported at the root, not echoed', async () => {
    await expectRefusedAt({ ...registerBody(), 'jan.jansen@example.nl': true }, '', 'jan.jansen');
  });

  test('an unknown key in subject or basis is reported at its parent', async () => {
    await expectRefusedAt(
      changed((body) => (body.subject['Jan Jansen'] = 1)),
      '/subject',
      'Jan Jansen',
    );
    await expectRefusedAt(
      changed((body) => (body.basis['order 2026/0001'] = 1)),
      '/basis',
      'order 2026',
    );
  });

  test('an unknown key shaped like a field name is named', async () => {
    await expectRefusedAt({ ...registerBody(), colour_2: 'blue' }, '/colour_2', 'blue');
  });

  test('text the database cannot store under a key that is not a field name is reported at the parent', async () => {
    await expectRefusedAt(
      changed((body) => (body.data.registrant['jan.jansen@example.nl'] = 'x\u0000')),
      '/data/registrant',
      'jan.jansen',
    );
  });
});
