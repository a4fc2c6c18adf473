import {
  type Connector,
  SupplierContractError,
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierUnavailableError,
} from '../../../src/connector-kit';
import { openprovider } from '../../../connectors/openprovider/connector';
import { type OpenproviderSandbox, startOpenproviderSandbox } from '../../../connectors/openprovider/sandbox';
import { nextAttempt, registerPayload, recordingContext } from '../support/payloads';

let sandbox: OpenproviderSandbox;
let connector: Connector;

beforeAll(async () => {
  sandbox = await startOpenproviderSandbox();
  connector = openprovider.create({ baseUrl: sandbox.url, username: sandbox.username, password: sandbox.password, timeoutMs: 1000 });
});
afterEach(() => {
  sandbox.faults.clear();
  sandbox.setLatency(0);
});
afterAll(async () => {
  await connector.close?.();
  await sandbox.close();
});

const control = (route: string, body?: unknown) =>
  fetch(`${sandbox.controlUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
/** What a test in another process sees: the sandbox's state over its control API. */
const stateOverHttp = async () =>
  (await (await fetch(`${sandbox.controlUrl}/state`)).json()) as {
    customers: Array<{ handle: string; domainIds: number[] }>;
  };

describe('openprovider connector against its sandbox', () => {
  it('registers a domain that lookup then finds, owned by the new handle', async () => {
    const payload = registerPayload();
    await expect(connector.lookup('domain.register', payload, recordingContext())).resolves.toBeNull();

    const result = await connector.deliver('domain.register', payload, recordingContext());

    const registered = sandbox.domains().find((domain) => domain.name === payload.domain);
    expect(registered).toMatchObject({ id: Number(result.supplierReference), ownerHandle: expect.stringMatching(/^ZQ\d{6}-NL$/) });
    expect(result.sentDigest).toMatch(/^[0-9a-f]{64}$/);
    await expect(connector.lookup('domain.register', payload, recordingContext())).resolves.toEqual({
      supplierReference: result.supplierReference,
    });
  });

  it('rejects a taken domain, and a domain registered twice, as domain_taken', async () => {
    const taken = connector.deliver('domain.register', registerPayload({ domain: 'taken-example.nl' }), recordingContext());
    await expect(taken).rejects.toBeInstanceOf(SupplierRejectedError);
    await expect(taken).rejects.toMatchObject({ code: 'domain_taken' });

    const payload = registerPayload();
    await connector.deliver('domain.register', payload, recordingContext());
    await expect(connector.deliver('domain.register', payload, recordingContext())).rejects.toMatchObject({ code: 'domain_taken' });
  });

  it('reports an injected 429 as rate limited with its Retry-After', async () => {
    sandbox.faults.inject({ kind: 'rate_limit', path: '/customers', retryAfterSeconds: 2 });
    const limited = connector.deliver('domain.register', registerPayload(), recordingContext());
    await expect(limited).rejects.toBeInstanceOf(SupplierRateLimitedError);
    await expect(limited).rejects.toMatchObject({ retryAfterMs: 2000 });
    expect(sandbox.faults.pending()).toBe(0);
  });

  it('takes faults over HTTP too, for tests in another process', async () => {
    expect((await control('/faults', { kind: 'server_error', status: 503, method: 'POST', path: '/domains' })).status).toBe(204);
    const failed = connector.deliver('domain.register', registerPayload(), recordingContext());
    await expect(failed).rejects.toMatchObject({ name: 'SupplierUnavailableError', code: 'http_503', outcomeUnknown: false });

    const refused = await control('/faults', { kind: 'meteor_strike' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'kind must be one of rate_limit, server_error, drop_response, delay' });
  });

  it('after a lost answer the outcome is unknown, and lookup finds the domain that did land', async () => {
    sandbox.faults.inject({ kind: 'drop_response', method: 'POST', path: '/domains' });
    const payload = registerPayload();

    const lost = connector.deliver('domain.register', payload, recordingContext());
    await expect(lost).rejects.toBeInstanceOf(SupplierUnavailableError);
    await expect(lost).rejects.toMatchObject({ outcomeUnknown: true });

    const landed = sandbox.domains().find((domain) => domain.name === payload.domain);
    expect(landed).toBeDefined();
    await expect(connector.lookup('domain.register', payload, recordingContext())).resolves.toEqual({
      supplierReference: String(landed?.id),
    });
  });

  it('logs in again when its tokens expire', async () => {
    await connector.check();
    const loginsBefore = sandbox.requests()['POST /auth/login'];
    expect((await control('/tokens/expire')).status).toBe(204);

    await expect(connector.lookup('domain.register', registerPayload(), recordingContext())).resolves.toBeNull();
    expect(sandbox.requests()['POST /auth/login']).toBe(loginsBefore + 1);
  });

  it('times out when the sandbox is slower than timeoutMs', async () => {
    sandbox.setLatency(1500);
    const slow = connector.lookup('domain.register', registerPayload(), recordingContext());
    await expect(slow).rejects.toMatchObject({ name: 'SupplierUnavailableError', code: 'timeout', outcomeUnknown: false });
  });

  it('refuses a field the swagger does not define, naming the field and not its value', async () => {
    const login = await fetch(`${sandbox.url}/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ username: sandbox.username, password: sandbox.password }),
    });
    const { data } = (await login.json()) as { data: { token: string } };
    const answer = await fetch(`${sandbox.url}/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${data.token}` },
      body: JSON.stringify({ name: { first_name: 'Jan', last_name: 'Jansen', initials: 'J.' }, e_mail: 'jan@example.nl' }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ code: 10, desc: 'unknown field "e_mail"', data: '' });
  });

  it('reports a connector with the wrong password as auth_failed', async () => {
    const wrong = openprovider.create({ baseUrl: sandbox.url, username: sandbox.username, password: 'not-the-password' });
    await expect(wrong.check()).rejects.toMatchObject({ name: 'SupplierRejectedError', code: 'auth_failed' });
    await wrong.close?.();
  });

  it('counts requests per path', async () => {
    const before = sandbox.requests()['GET /domains'] ?? 0;
    await connector.lookup('domain.register', registerPayload(), recordingContext());
    expect(sandbox.requests()['GET /domains']).toBe(before + 1);
  });

  it('refuses an unknown operation before any request', async () => {
    const before = JSON.stringify(sandbox.requests());
    await expect(connector.deliver('domain.renew', registerPayload(), recordingContext())).rejects.toBeInstanceOf(SupplierContractError);
    expect(JSON.stringify(sandbox.requests())).toBe(before);
  });

  it('shows one customer per delivered transfer and none for a failed one, over its control API', async () => {
    const handlesBefore = new Set((await stateOverHttp()).customers.map((customer) => customer.handle));
    // Delivered after the answer to the customer request was lost: the retry finds that customer again.
    sandbox.faults.inject({ kind: 'drop_response', method: 'POST', path: '/customers' });
    const payload = registerPayload();
    const lost = recordingContext();
    await expect(connector.deliver('domain.register', payload, lost)).rejects.toMatchObject({ outcomeUnknown: true });
    const { supplierReference } = await connector.deliver('domain.register', payload, nextAttempt(lost));
    // Failed for good: the domain is taken, and the gateway discards what the transfer created.
    const refused = recordingContext();
    await expect(connector.deliver('domain.register', registerPayload({ domain: 'taken-state.nl' }), refused)).rejects.toMatchObject({ code: 'domain_taken' });
    await connector.discard('domain.register', nextAttempt(refused));

    const { customers } = await stateOverHttp();
    const added = customers.filter((customer) => !handlesBefore.has(customer.handle));
    expect(added).toEqual([{ handle: expect.any(String), domainIds: [Number(supplierReference)] }]);
  });

  it('applies a fault after letting `skip` matching requests pass, to any of several paths', async () => {
    sandbox.faults.inject({ kind: 'server_error', status: 502, method: 'POST', path: ['/customers', '/domains'], skip: 1 });
    const failed = connector.deliver('domain.register', registerPayload(), recordingContext());
    await expect(failed).rejects.toMatchObject({ code: 'http_502' });
    expect(sandbox.faults.pending()).toBe(0);
    const posted = sandbox.requests();
    expect([posted['POST /customers'], posted['POST /domains']].every((count) => count > 0)).toBe(true);
  });

  it('answers every matching request with the outage status while a timed outage lasts, and records when each came', async () => {
    const injectedAt = Date.now();
    expect((await control('/faults', { kind: 'server_error', status: 503, forMs: 1000 })).status).toBe(204);
    expect(sandbox.faults.pending()).toBe(Infinity);
    for (let i = 0; i < 3; i++) {
      await expect(connector.lookup('domain.register', registerPayload(), recordingContext())).rejects.toMatchObject({ code: 'http_503' });
    }
    const duringOutage = sandbox.received().filter((request) => request.at >= injectedAt);
    expect(duringOutage.length).toBeGreaterThanOrEqual(3);
    expect(duringOutage.every((request) => request.status === 503)).toBe(true);

    await waitUntil(() => Date.now() > injectedAt + 1000);
    expect(sandbox.faults.pending()).toBe(0);
    await expect(connector.lookup('domain.register', registerPayload(), recordingContext())).resolves.toBeNull();
    expect(sandbox.received().at(-1)).toEqual({ route: 'GET /domains', at: expect.any(Number), status: 200 });
  });

  it.each([
    [{ kind: 'drop_response', forMs: 1000 }, 'forMs applies to server_error only'],
    [{ kind: 'server_error', forMs: 0 }, 'forMs must be an integer from 1 to 86400000'],
    [{ kind: 'server_error', forMs: 86_400_001 }, 'forMs must be an integer from 1 to 86400000'],
    [{ kind: 'server_error', forMs: 1000, count: 2 }, 'forMs does not combine with count or skip'],
    [{ kind: 'server_error', forMs: 1000, skip: 1 }, 'forMs does not combine with count or skip'],
  ])('refuses a timed outage it cannot honour: %j', async (fault, error) => {
    const refused = await control('/faults', fault);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error });
    expect(sandbox.faults.pending()).toBe(0);
  });

  it('delays one answer with a delay fault, and acts on the request once the delay is over', async () => {
    const payload = registerPayload();
    expect((await control('/faults', { kind: 'delay', delayMs: 1500, method: 'POST', path: '/domains' })).status).toBe(204);
    const slow = connector.deliver('domain.register', payload, recordingContext());
    await expect(slow).rejects.toMatchObject({ code: 'timeout', outcomeUnknown: true });
    expect(sandbox.domains().map((domain) => domain.name)).not.toContain(payload.domain);
    await waitUntil(() => sandbox.domains().some((domain) => domain.name === payload.domain));
    expect((await control('/faults', { kind: 'delay' })).status).toBe(400);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 5000) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
