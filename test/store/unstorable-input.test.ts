import { api, registerBody, startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

/**
 * PostgreSQL cannot store NUL or an unpaired surrogate in text or JSON. Such input must be refused alone,
 * as a 422 at its pointer: reaching the database it would fail the whole group-commit batch, and with it
 * the other callers' requests.
 */
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

const post = (body: unknown) => api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('k-') } });
const withReference = (reference: string) => ({ ...registerBody(), basis: { type: 'contract', reference } });

test.each([
  ['a NUL in the order reference', () => withReference('order-\u0000-1'), '/basis/reference'],
  ['an unpaired surrogate in the order reference', () => withReference('order-\ud800'), '/basis/reference'],
  ['a NUL in a field name the agreement does not know', () => ({ ...registerBody(), data: { ...registerBody().data, 'note\u0000': 'x' } }), '/data'],
  ['a NUL in a personal value', () => {
    const body = registerBody();
    body.data.registrant.firstName = 'Jan\u0000';
    return body;
  }, '/data/registrant/firstName'],
])('%s: 422 at its pointer', async (_case, body, pointer) => {
  const answer = await post(body());
  expect(answer.status).toBe(422);
  // A reference must be printable text besides, which neither is.
  expect(answer.json.errors).toEqual([{ pointer, detail: expect.stringMatching(/NUL character or an unpaired surrogate|format "printable"/) }]);
});

test("one such request among concurrent ones fails alone; the others' batch is written", async () => {
  const bodies = Array.from({ length: 9 }, (_, index) => (index === 5 ? withReference('order-\u0000') : registerBody()));
  const statuses = (await Promise.all(bodies.map(post))).map((answer) => answer.status);
  expect(statuses).toEqual([202, 202, 202, 202, 202, 422, 202, 202, 202]);
});

test('an unknown envelope field whose name is not a field name is reported at its parent, the root (RFC 6901: the empty pointer)', async () => {
  const answer = await post({ ...registerBody(), 'x/y~z': 1 });
  expect(answer.status).toBe(422);
  expect(answer.json.errors).toEqual([{ pointer: '', detail: expect.stringMatching(/not a field name/) }]);
});

test('a shares-log filter on a supplier id PostgreSQL cannot compare is a 400, not a 500', async () => {
  const answer = await api(gateway, 'GET', '/v1/shares?supplier=%00', { token: gateway.keys.privacy });
  expect(answer.status).toBe(400);
  expect(answer.json.errors).toEqual([{ pointer: '/query/supplier', detail: 'must be a supplier id' }]);
});
