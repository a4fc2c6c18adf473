import { type OpenproviderSandbox, startOpenproviderSandbox } from '../../../connectors/openprovider/sandbox';
import { swaggerErrors } from './support/swagger';

let sandbox: OpenproviderSandbox;
let token: string;

beforeAll(async () => {
  sandbox = await startOpenproviderSandbox();
  const login = await call('POST', '/auth/login', { username: sandbox.username, password: sandbox.password });
  token = (login.json.data as { token: string }).token;
});
afterAll(() => sandbox.close());

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

const customer = {
  name: { first_name: 'Jan', last_name: 'Jansen', initials: 'J.' },
  address: { street: 'Dorpsstraat', number: '1', zipcode: '1234AB', city: 'Amsterdam', country: 'NL' },
  phone: { country_code: '+31', area_code: '20', subscriber_number: '1234567' },
  email: 'jan.jansen@example.nl',
};
const domainRequest = (handle: string, name: string) => ({
  domain: { name, extension: 'nl' },
  period: 1,
  owner_handle: handle,
  admin_handle: handle,
  tech_handle: handle,
  name_servers: [{ name: 'ns1.example.net' }, { name: 'ns2.example.net' }],
});

describe('openprovider sandbox answers fit the swagger response definitions', () => {
  it('login: authLoginResponse, and errorError with 401 for wrong credentials', async () => {
    const refused = await call('POST', '/auth/login', { username: sandbox.username, password: 'wrong' });
    expect(refused.status).toBe(401);
    expect(swaggerErrors('auth', 'errorError', refused.json)).toEqual([]);

    const login = await call('POST', '/auth/login', { username: sandbox.username, password: sandbox.password });
    expect(login.status).toBe(200);
    expect(swaggerErrors('auth', 'authLoginResponse', login.json)).toEqual([]);
    expect((login.json.data as { token: string }).token).toMatch(/^[0-9a-f]{32}$/);
  });

  it('customers: customerCreateCustomerResponse, and errorError for a missing field', async () => {
    const created = await call('POST', '/customers', customer);
    expect(created.status).toBe(200);
    expect(swaggerErrors('customer', 'customerCreateCustomerResponse', created.json)).toEqual([]);

    const incomplete = await call('POST', '/customers', { ...customer, phone: { country_code: '+31' } });
    expect(incomplete.status).toBe(400);
    expect(swaggerErrors('customer', 'errorError', incomplete.json)).toEqual([]);
    expect(incomplete.json.desc).toBe('Invalid or missing field: phone.area_code');
  });

  it('domains: domainCreateDomainResponse, errorError 346 when taken, domainListDomainsResponse', async () => {
    const { json } = await call('POST', '/customers', customer);
    const handle = (json.data as { handle: string }).handle;

    const created = await call('POST', '/domains', domainRequest(handle, 'jansen-answers'));
    expect(created.status).toBe(200);
    expect(swaggerErrors('domain', 'domainCreateDomainResponse', created.json)).toEqual([]);

    const taken = await call('POST', '/domains', domainRequest(handle, 'jansen-answers'));
    expect(taken.status).toBe(400);
    expect(taken.json).toMatchObject({ code: 346, desc: 'Domain exists' });
    expect(swaggerErrors('domain', 'errorError', taken.json)).toEqual([]);

    const listed = await call('GET', '/domains?full_name=jansen-answers.nl');
    expect(swaggerErrors('domain', 'domainListDomainsResponse', listed.json)).toEqual([]);
    expect(listed.json.data).toMatchObject({ total: 1, results: [{ id: (created.json.data as { id: number }).id, owner_handle: handle }] });
  });

  it('customers delete: customerDeleteCustomerResponse; a handle a domain uses is kept, as Openprovider keeps it', async () => {
    const handleOf = async () => ((await call('POST', '/customers', customer)).json.data as { handle: string }).handle;
    const unused = await handleOf();
    const deleted = await call('DELETE', `/customers/${unused}`);
    expect(deleted.status).toBe(200);
    expect(swaggerErrors('customer', 'customerDeleteCustomerResponse', deleted.json)).toEqual([]);
    expect((await call('POST', '/domains', domainRequest(unused, 'jansen-deleted'))).status).toBe(400);

    const used = await handleOf();
    expect((await call('POST', '/domains', domainRequest(used, 'jansen-kept'))).status).toBe(200);
    const refused = await call('DELETE', `/customers/${used}`);
    expect(refused.status).toBe(400);
    expect(swaggerErrors('customer', 'errorError', refused.json)).toEqual([]);
  });

  it('customers list: customerListCustomersResponse; comment_pattern matches the whole comment, * standing for any text', async () => {
    const handleWith = async (comments: string) => ((await call('POST', '/customers', { ...customer, comments })).json.data as { handle: string }).handle;
    const tagged = await handleWith('supplier-gateway transfer answers-1');
    const longer = await handleWith('supplier-gateway transfer answers-10');
    const handlesFor = async (pattern: string) => {
      const listed = await call('GET', `/customers?comment_pattern=${encodeURIComponent(pattern)}`);
      expect(listed.status).toBe(200);
      expect(swaggerErrors('customer', 'customerListCustomersResponse', listed.json)).toEqual([]);
      return (listed.json.data as { results: Array<{ handle: string; comments: string }> }).results;
    };

    expect(await handlesFor('supplier-gateway transfer answers-1')).toEqual([
      { id: expect.any(Number), handle: tagged, comments: 'supplier-gateway transfer answers-1' },
    ]);
    expect((await handlesFor('*transfer answers-1*')).map((result) => result.handle)).toEqual([tagged, longer]);
    expect(await handlesFor('supplier-gateway transfer answers-2')).toEqual([]);
  });

  it('domains list filters by contact_handle', async () => {
    const { json } = await call('POST', '/customers', customer);
    const handle = (json.data as { handle: string }).handle;
    const listedFor = async (contactHandle: string) =>
      ((await call('GET', `/domains?contact_handle=${contactHandle}`)).json.data as { results: Array<{ owner_handle: string }> }).results;

    expect(await listedFor(handle)).toEqual([]);
    expect((await call('POST', '/domains', domainRequest(handle, 'jansen-contact'))).status).toBe(200);
    expect((await listedFor(handle)).map((result) => result.owner_handle)).toEqual([handle]);
  });

  it('refuses a domain whose owner handle it never issued', async () => {
    const answer = await call('POST', '/domains', domainRequest('XX999999-NL', 'jansen-orphan'));
    expect(answer.status).toBe(400);
    expect(answer.json.desc).toBe('Invalid or missing field: owner_handle');
    expect(sandbox.domains().map((domain) => domain.name)).not.toContain('jansen-orphan.nl');
  });

  it('faults: a 429 with Retry-After and a 5xx, both errorError', async () => {
    sandbox.faults.inject({ kind: 'rate_limit', retryAfterSeconds: 9 });
    const limited = await call('GET', '/domains');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('9');
    expect(swaggerErrors('domain', 'errorError', limited.json)).toEqual([]);

    sandbox.faults.inject({ kind: 'server_error', status: 502 });
    const failed = await call('GET', '/domains');
    expect(failed.status).toBe(502);
    expect(swaggerErrors('domain', 'errorError', failed.json)).toEqual([]);
  });

  it('without a valid bearer token: 401 errorError', async () => {
    const anonymous = await call('GET', '/domains', undefined, { authorization: 'Bearer not-a-token' });
    expect(anonymous.status).toBe(401);
    expect(swaggerErrors('domain', 'errorError', anonymous.json)).toEqual([]);
  });
});
