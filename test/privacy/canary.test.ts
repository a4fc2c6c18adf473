import { api, canary, leakedCanaries, registerBody, startTestGateway, transferStatus, type ApiAnswer, type TestGateway } from '../support/gateway';
import { monitorRedis, type RedisMonitor } from '../support/redis-monitor';
import { redisDump, testRedisUrl, uniqueName } from '../support/services';

/**
 * THE canary test (docs/architecture.md, "The promises"): personal data lives only in the sealed payload. Canary values go through
 * every path of a transfer while Redis is watched command by command; then every place the gateway writes
 * to is searched for them and for the plain subject ids. A failure names each value and where it leaked.
 */
let gateway: TestGateway;
let monitor: RedisMonitor;
const answers: { where: string; answer: ApiAnswer }[] = [];

beforeAll(async () => {
  gateway = await startTestGateway();
  monitor = await monitorRedis(testRedisUrl, (line) => line.includes(gateway.env.queuePrefix));
});
afterAll(async () => {
  monitor?.close();
  await gateway?.close();
});

/** A call whose answer is searched for leaks; it must answer `expected`, or the search would be of an error page. */
async function call(where: string, expected: number, method: string, route: string, options: Parameters<typeof api>[3]): Promise<ApiAnswer> {
  const answer = await api(gateway, method, route, options);
  expect({ where, status: answer.status }).toEqual({ where, status: expected });
  answers.push({ where: `the ${where} answer (${method} ${route.split('?')[0]}, ${answer.status})`, answer });
  return answer;
}
const post = (where: string, expected: number, body: unknown, key = uniqueName('key-')) =>
  call(where, expected, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': key } });

/** Every row of every table as JSON text, without the two columns that are ciphertext by design. */
async function databaseAsText(): Promise<[string, string][]> {
  const tables = await gateway.db.query<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = current_schema()`);
  return Promise.all(
    tables.map(async ({ name }) => {
      const rows = await gateway.db.query<{ row: string }>(`select (to_jsonb(t) - 'sealed_payload' - 'wrapped_key')::text as row from ${name} t`);
      return [`the ${name} table`, rows.map((row) => row.row).join('\n')] as [string, string];
    }),
  );
}

test('no canary value and no plain subject id appears in Redis, logs, answers, the shares log or the database', async () => {
  const subjects: string[] = [];
  /** Canary values, plus the other personal values each request carries: its subject id, domain and phone number. */
  const watched = new Map<string, string>(Object.entries(canary).map(([name, value]) => [value, `canary ${name} (${value})`]));
  const body = (domain?: string) => {
    const request = registerBody(undefined, domain);
    subjects.push(request.subject.id);
    watched.set(request.subject.id, `subject id ${request.subject.id}`);
    watched.set(request.data.domain, `domain ${request.data.domain}`);
    watched.set(request.data.registrant.phone, `phone number ${request.data.registrant.phone}`);
    return request;
  };
  const found = (text: string) => [...watched].filter(([value]) => text.includes(value)).map(([, name]) => name);

  // Delivered, then replayed with the same key.
  const delivered = body();
  const accepted = await post('accepted transfer', 202, delivered, 'canary-replay-key');
  expect((await transferStatus(gateway, accepted.json.id, ['delivered'])).status).toBe('delivered');
  expect((await post('replayed transfer', 202, delivered, 'canary-replay-key')).json).toEqual(accepted.json);

  // Invalid: values in the wrong fields, an unknown envelope field, broken JSON.
  const invalid = body();
  Object.assign(invalid.data.registrant, { email: `${canary.first} at home`, phone: canary.street });
  await post('invalid payload', 422, invalid);
  await post('unknown envelope field', 422, { ...body(), customerName: `${canary.first} ${canary.last}` });
  await post('unknown envelope field named like a value', 422, { ...body(), [canary.email]: canary.street });
  const broken = `{"subject": {"id": "${subjects[0]}"}, "data": {"email": "${canary.email}"`;
  await call('malformed JSON', 400, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, raw: broken, headers: { 'content-type': 'application/json', 'idempotency-key': uniqueName('k-') } });

  // Refused by the agreement, and rejected by the supplier.
  await post('refused transfer', 403, { ...body(), purpose: 'marketing' });
  const taken = await post('transfer of a taken domain', 202, body(`taken-${uniqueName('jansen-')}.nl`));
  expect(await transferStatus(gateway, taken.json.id, ['failed'])).toMatchObject({ lastError: { code: 'supplier.rejected.domain_taken' } });

  // Everything ops and privacy staff can read.
  const transferIds = [accepted.json.id, taken.json.id];
  for (const id of transferIds) await call('transfer', 200, 'GET', `/v1/transfers/${id}`, { token: gateway.keys.ops });
  const shares = await call('shares log', 200, 'GET', '/v1/shares', { token: gateway.keys.privacy });
  for (const subject of subjects) await call('shares-by-subject', 200, 'GET', `/v1/shares?subject=${encodeURIComponent(subject)}`, { token: gateway.keys.privacy });
  expect((await call('verification', 200, 'GET', '/v1/shares/verify', { token: gateway.keys.privacy })).json).toMatchObject({ ok: true });
  await call('shares log as CSV', 200, 'GET', '/v1/shares?format=csv', { token: gateway.keys.privacy });
  for (const subject of subjects) await call('disclosures', 200, 'GET', `/v1/subjects/${encodeURIComponent(subject)}/disclosures`, { token: gateway.keys.privacy });
  await call('consultations', 200, 'GET', '/v1/consultations', { token: gateway.keys.admin });
  await call('record of processing', 200, 'GET', '/v1/record-of-processing', { token: gateway.keys.privacy });
  // The export is the one answer with values, by design, and so is not searched with the others: it holds
  // exactly what was sent, and what the agreement withheld (date of birth, bank account) is not there.
  const exported = await api(gateway, 'GET', `/v1/subjects/${encodeURIComponent(delivered.subject.id)}/export`, { token: gateway.keys.privacy });
  expect(exported.status).toBe(200);
  expect(exported.json.sent[0].data.registrant).toMatchObject({ firstName: canary.first, lastName: canary.last, email: canary.email });
  expect(leakedCanaries(exported.text).sort()).toEqual([canary.email, canary.first, canary.last, canary.street].sort());
  expect(shares.json.items.map((entry: { event: string }) => entry.event).sort()).toEqual(
    ['delivery.attempted', 'delivery.attempted', 'delivery.failed', 'delivery.succeeded', 'transfer.refused'].sort(),
  );

  // The sealed payloads are the one place the data is, and only as ciphertext.
  const sealed = await gateway.db.query<{ id: string; sealed_payload: Uint8Array }>('select id, sealed_payload from transfers');
  expect(sealed.map((row) => row.id).sort()).toEqual([...transferIds].sort());
  const plaintextInSealed = sealed.flatMap((row) => found(Buffer.from(row.sealed_payload).toString('latin1')).map((name) => `${name} in plain text in the sealed payload of ${row.id}`));
  expect(plaintextInSealed).toEqual([]);

  await monitor.flush();
  const redisCommands = monitor.lines().join('\n');
  const places: [string, string][] = [
    ...answers.map(({ where, answer }) => [where, `${JSON.stringify(Object.fromEntries(answer.headers))}\n${answer.text}`] as [string, string]),
    ['the gateway log', gateway.logs()],
    ['the Redis commands (MONITOR)', redisCommands],
    ['the Redis keys and values', await redisDump(gateway.env.queuePrefix)],
    ...(await databaseAsText()),
  ];
  // The search must have had something to search: job ids in Redis, lines in the log, rows in the shares log.
  expect(redisCommands).toContain(accepted.json.id);
  expect(places.find(([where]) => where === 'the Redis keys and values')![1]).toContain(taken.json.id);
  expect(gateway.logs()).toContain('transfer refused');
  expect(places.find(([where]) => where === 'the share_log table')![1]).toContain('delivery.succeeded');

  const leaks = places.flatMap(([where, text]) => found(text).map((name) => `${name} leaked into ${where}`));
  expect(leaks).toEqual([]);
});
