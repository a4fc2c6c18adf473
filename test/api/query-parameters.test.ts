import { api, registerBody, startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

let gateway: TestGateway;
let transferId: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  const accepted = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(), headers: { 'idempotency-key': uniqueName('q-') } });
  transferId = accepted.json.id;
});
afterAll(() => gateway.close());

/** Every route, with a caller allowed to use it. */
const routes = () => [
  { method: 'POST', path: '/v1/transfers', token: gateway.keys.provisioning },
  { method: 'GET', path: `/v1/transfers/${transferId}`, token: gateway.keys.ops },
  { method: 'GET', path: '/v1/shares', token: gateway.keys.privacy },
  { method: 'GET', path: '/v1/shares/verify', token: gateway.keys.privacy },
  { method: 'GET', path: '/v1/subjects/cust-1/disclosures', token: gateway.keys.privacy },
  { method: 'GET', path: '/v1/subjects/cust-1/export', token: gateway.keys.privacy },
  { method: 'GET', path: '/v1/consultations', token: gateway.keys.admin },
  { method: 'GET', path: '/v1/record-of-processing', token: gateway.keys.privacy },
  { method: 'GET', path: '/healthz', token: undefined },
  { method: 'GET', path: '/readyz', token: undefined },
];

function call({ method, path, token }: ReturnType<typeof routes>[number], query: string) {
  const post = method === 'POST';
  return api(gateway, method, `${path}?${query}`, {
    token,
    body: post ? registerBody() : undefined,
    headers: post ? { 'idempotency-key': uniqueName('q-') } : {},
  });
}

describe('unknown query parameters are refused on every route', () => {
  test('each route answers 400 problem+json naming the parameter by pointer', async () => {
    for (const route of routes()) {
      const answer = await call(route, 'colour=blue');
      expect({ route: route.path, status: answer.status, type: answer.type }).toEqual({ route: route.path, status: 400, type: expect.stringContaining('application/problem+json') });
      expect(answer.json.errors).toEqual([{ pointer: '/query/colour', detail: expect.any(String) }]);
      expect(answer.text).not.toContain('blue');
    }
  });

  test('a typo in a shares filter is a 400, not every subject’s entries', async () => {
    const answer = await api(gateway, 'GET', '/v1/shares?subjet=customer-1001', { token: gateway.keys.privacy });
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([{ pointer: '/query/subjet', detail: expect.any(String) }]);
    expect(answer.text).not.toContain('customer-1001');
  });

  test('a parameter name that is not a plain identifier is refused without being echoed', async () => {
    const answer = await api(gateway, 'GET', `/v1/shares?${encodeURIComponent('jan.jansen@example.nl')}=1`, { token: gateway.keys.privacy });
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([{ pointer: '/query', detail: expect.any(String) }]);
    expect(answer.text).not.toContain('jan.jansen');
  });

  test('the known ones still work', async () => {
    const answer = await api(gateway, 'GET', `/v1/shares?subject=${uniqueName('cust-')}&limit=5&since=2020-01-01`, { token: gateway.keys.privacy });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ items: [], nextCursor: null });
  });
});

describe('bad values of known parameters are refused by pointer, never echoed', () => {
  test.each([
    ['limit=0', '/query/limit'],
    ['limit=Zyxcanary', '/query/limit'],
    ['since=Zyxcanary', '/query/since'],
    ['until=', '/query/until'],
    ['subject=a&subject=b', '/query/subject'],
    ['supplier=Zyxcanary%00', '/query/supplier'],
    ['cursor=Zyxcanary', '/query/cursor'],
  ])('GET /v1/shares?%s: 400 at %s', async (query, pointer) => {
    const answer = await api(gateway, 'GET', `/v1/shares?${query}`, { token: gateway.keys.privacy });
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([{ pointer, detail: expect.any(String) }]);
    expect(answer.text).not.toContain('Zyxcanary');
  });
});

test('a path that is not valid percent-encoding: 400 problem+json, not 500', async () => {
  const answer = await api(gateway, 'GET', '/v1/transfers/%ZZ', { token: gateway.keys.ops });
  expect(answer.status).toBe(400);
  expect(answer.type).toContain('application/problem+json');
});

describe('authentication comes before any other check', () => {
  test('an unauthenticated POST with a non-JSON body: 401, not 415', async () => {
    const answer = await api(gateway, 'POST', '/v1/transfers', { raw: 'supplier=openprovider', headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'k' } });
    expect(answer.status).toBe(401);
    expect(answer.type).toContain('application/problem+json');
  });

  test('unauthenticated requests with unknown parameters: 401, not 400', async () => {
    expect((await api(gateway, 'GET', '/v1/shares?subjet=x')).status).toBe(401);
    expect((await api(gateway, 'POST', '/v1/transfers?colour=blue', { body: registerBody() })).status).toBe(401);
  });

  test('health and readiness stay open', async () => {
    expect((await api(gateway, 'GET', '/healthz')).status).toBe(200);
    expect((await api(gateway, 'GET', '/readyz')).status).toBe(200);
  });
});
