import { readFileSync } from 'node:fs';
import { api, canary, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { scrape } from '../support/metrics';
import { uniqueName } from '../support/services';

/**
 * The canary test for /metrics (docs/architecture.md, "The promises": no personal value in metrics). Canary
 * values, subject ids, domains, ids and keys go through every path a request can take — and into paths and
 * query strings, where a careless label would pick them up — then the whole /metrics text is searched for
 * them. A failure names each value found.
 */
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

test('no personal value, id or key appears anywhere in /metrics', async () => {
  const watched = new Map<string, string>(Object.entries(canary).map(([name, value]) => [value, `canary ${name}`]));
  const post = async (expected: number, body: ReturnType<typeof registerBody>, idempotencyKey = uniqueName('mc-key-')) => {
    watched.set(body.subject.id, `subject id ${body.subject.id}`);
    watched.set(body.data.domain, `domain ${body.data.domain}`);
    watched.set(body.basis.reference, `basis reference ${body.basis.reference}`);
    watched.set(body.data.registrant.phone, `phone number ${body.data.registrant.phone}`);
    watched.set(idempotencyKey, `Idempotency-Key ${idempotencyKey}`);
    const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': idempotencyKey } });
    expect(answer.status).toBe(expected);
    if (answer.json?.id) watched.set(answer.json.id, `transfer id ${answer.json.id}`);
    return answer.json?.id as string;
  };

  // Delivered and replayed; delivered after an attempt whose answer was lost; failed for good; refused; invalid.
  const body = registerBody();
  const delivered = await post(202, body, 'mc-replayed-key');
  await post(202, body, 'mc-replayed-key');
  expect(await transferStatus(gateway, delivered, ['delivered', 'failed'])).toMatchObject({ status: 'delivered' });
  gateway.sandbox.faults.inject({ kind: 'drop_response', method: 'POST', path: '/domains' });
  const lookedUp = await post(202, registerBody());
  // Settled before the next transfer, so that the lost answer is this one's.
  expect(await transferStatus(gateway, lookedUp, ['delivered', 'failed'])).toMatchObject({ status: 'delivered', attempts: 2 });
  const taken = await post(202, registerBody(undefined, `taken-${uniqueName('jansen-')}.nl`));
  await post(403, { ...registerBody(), purpose: 'marketing' });
  const invalid = registerBody();
  Object.assign(invalid.data.registrant, { email: `${canary.first} at home` });
  await post(422, invalid);
  expect(await transferStatus(gateway, taken, ['delivered', 'failed'])).toMatchObject({ status: 'failed' });

  // Personal values in paths and query strings, matched and unmatched, with a valid key and a made-up one.
  expect((await api(gateway, 'GET', `/v1/transfers/${delivered}`, { token: gateway.keys.ops })).status).toBe(200);
  expect((await api(gateway, 'GET', `/v1/transfers/${encodeURIComponent(canary.email)}`, { token: gateway.keys.ops })).status).toBe(404);
  expect((await api(gateway, 'GET', `/v1/shares?subject=${encodeURIComponent(body.subject.id)}`, { token: gateway.keys.privacy })).status).toBe(200);
  expect((await api(gateway, 'GET', `/v1/shares?${encodeURIComponent(canary.last)}=1`, { token: gateway.keys.privacy })).status).toBe(400);
  expect((await api(gateway, 'GET', `/${encodeURIComponent(canary.street)}/${body.subject.id}`)).status).toBe(404);
  expect((await api(gateway, 'GET', `/v1/transfers/${taken}`, { token: `sgw_${canary.first}` })).status).toBe(401);

  const keys = JSON.parse(readFileSync(gateway.env.apiKeysFile, 'utf8')) as { keys: { id: string }[] };
  for (const { id } of keys.keys) watched.set(id, `API key id ${id}`);
  for (const [role, token] of Object.entries(gateway.keys)) watched.set(token, `the ${role} API key`);

  const { text, samples } = await scrape(gateway);
  // The search has something to search: the paths above were counted, under their patterns.
  const routes = new Set(samples.filter((sample) => sample.name === 'sgw_http_requests_total').map((sample) => `${sample.labels.route} ${sample.labels.status}`));
  expect([...routes]).toEqual(expect.arrayContaining(['/v1/transfers/ 202', '/v1/transfers/ 422', '/v1/transfers/:id 200', '/v1/transfers/:id 404', '/v1/shares/ 200', '/v1/shares/ 400', 'unmatched 404', 'unmatched 401']));
  expect(samples.filter((sample) => sample.name === 'sgw_delivery_failures_total').map((sample) => sample.labels.error_class).sort()).toEqual(['supplier.rejected', 'supplier.unavailable']);

  const leaks = [...watched].filter(([value]) => text.includes(value)).map(([, name]) => name);
  expect(leaks).toEqual([]);
});
