import { randomUUID } from 'node:crypto';
import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';
import { sgw } from './sgw';

// Issue 11, point 9: `sgw transfers …` against a running gateway (real Redis, PostgreSQL and supplier sandbox),
// run as a child process and judged by its stdout, stderr and exit code.
let gateway: TestGateway;
let env: Record<string, string>;
let failed: string[];
let delivered: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  env = { SGW_URL: gateway.url, SGW_TOKEN: gateway.keys.ops };
  // The sandbox answers "domain exists" for a taken-… domain: such a transfer fails at once, for good.
  failed = await Promise.all([submit(`taken-${uniqueName('a-')}.nl`), submit(`taken-${uniqueName('b-')}.nl`)]);
  delivered = await submit();
  for (const id of failed) await transferStatus(gateway, id, ['failed']);
  await transferStatus(gateway, delivered, ['delivered']);
}, 60_000);
afterAll(() => gateway.close());

async function submit(domain?: string): Promise<string> {
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(undefined, domain), headers: { 'idempotency-key': uniqueName('cli-') } });
  expect(answer.status).toBe(202);
  return answer.json.id;
}

const getTransfer = async (id: string) => (await api(gateway, 'GET', `/v1/transfers/${id}`, { token: gateway.keys.ops })).json;
const rowsOf = (stdout: string) => stdout.trimEnd().split('\n');
const sorted = (ids: string[]) => [...ids].sort();

test('list --status failed: a table with a header and one row per failed transfer, and the counts by status under it', async () => {
  const result = await sgw(['transfers', 'list', '--status', 'failed', '--supplier', 'openprovider', '--since', '1h'], env);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  const [header, ...rest] = rowsOf(result.stdout);
  expect(header.split(/\s{2,}/)).toEqual(['ID', 'STATUS', 'SUPPLIER', 'OPERATION', 'ATTEMPTS', 'LAST ERROR', 'CREATED']);
  const rows = rest.slice(0, failed.length);
  expect(sorted(rows.map((row) => row.split(/\s+/)[0]))).toEqual(sorted(failed));
  for (const row of rows) expect(row.split(/\s+/).slice(1)).toEqual(['failed', 'openprovider', 'domain.register', '1', 'supplier.rejected.domain_taken', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)]);
  // The columns line up: every row's status starts where the header's STATUS does.
  for (const row of rows) expect(row.indexOf('failed')).toBe(header.indexOf('STATUS'));
  expect(result.stdout).not.toContain(delivered);
  expect(rest.at(-1)).toMatch(/^By status, over the other filters: /);
  expect(rest.at(-1)).toContain('failed 2');
  expect(rest.at(-1)).toContain('delivered 1');
});

test('--json: the API answer alone on stdout, parseable as a whole; --error matches by code prefix', async () => {
  const result = await sgw(['--json', 'transfers', 'list', '--error', 'supplier.rejected'], env);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  const answer = JSON.parse(result.stdout);
  expect(sorted(answer.items.map((transfer: { id: string }) => transfer.id))).toEqual(sorted(failed));
  expect(answer).toMatchObject({ nextCursor: null, counts: { failed: 2 } });
});

test('--limit 1 lists one and says on stderr that there are more; with --all it follows nextCursor to the last page', async () => {
  const first = await sgw(['transfers', 'list', '--limit', '1', '--json'], env);
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({ items: [expect.anything()], nextCursor: expect.any(String) });
  expect(first.stderr).toMatch(/There are more: these are the first 1; --all lists every one/);

  const all = await sgw(['transfers', 'list', '--limit', '1', '--all', '--json'], env);
  expect(all).toMatchObject({ code: 0, stderr: '' });
  const answer = JSON.parse(all.stdout);
  expect(sorted(answer.items.map((transfer: { id: string }) => transfer.id))).toEqual(sorted([...failed, delivered]));
  expect(answer.nextCursor).toBeNull();
});

test('a --since in the future finds nothing: exit 0, an empty table is said on stderr', async () => {
  const result = await sgw(['transfers', 'list', '--since', '2999-01-01'], env);
  expect(result).toMatchObject({ code: 0, stdout: '', stderr: 'No transfers match.\n' });
});

test('show: one transfer field by field; --json is what the API answers', async () => {
  const result = await sgw(['transfers', 'show', failed[0]], env);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(result.stdout).toMatch(new RegExp(`^id: +${failed[0]}$`, 'm'));
  expect(result.stdout).toMatch(/^status: +failed$/m);
  expect(result.stdout).toMatch(/^last error: +supplier\.rejected\.domain_taken at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: \S/m);
  expect(result.stdout).toMatch(/^fields withheld: +\/data\/registrant\/dateOfBirth/m);

  const json = await sgw(['transfers', 'show', failed[0], '--json'], env);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual(await getTransfer(failed[0]));
});

test('show of an id the gateway does not know: exit 1, the 404 problem on stderr, nothing on stdout', async () => {
  const result = await sgw(['transfers', 'show', randomUUID(), '--json'], env);
  expect(result).toMatchObject({ code: 1, stdout: '' });
  expect(result.stderr).toMatch(/^sgw: .+ \(404\): .+/);
});

test('retry of a delivered transfer is refused: exit 1, the 409 title and detail on stderr', async () => {
  const result = await sgw(['transfers', 'retry', delivered], env);
  expect(result).toMatchObject({ code: 1, stdout: '' });
  expect(result.stderr).toBe('sgw: Transfer not retryable (409): The transfer is delivered; only failed and unknown transfers can be retried.\n');
});

test('an input error from the API is listed by pointer on stderr, exit 1', async () => {
  const result = await sgw(['transfers', 'list', '--supplier', 'NOT A SUPPLIER'], env);
  expect(result).toMatchObject({ code: 1, stdout: '' });
  expect(result.stderr).toMatch(/\(400\)/);
  expect(result.stderr).toMatch(/^ {2}\/query\/supplier: .+/m);
});

test('a token the gateway does not know is refused (401), a privacy key on an ops route too (403): exit 1', async () => {
  const unknown = await sgw(['transfers', 'list'], { ...env, SGW_TOKEN: 'sgw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
  expect(unknown).toMatchObject({ code: 1, stdout: '' });
  expect(unknown.stderr).toMatch(/\(401\)/);
  const privacy = await sgw(['transfers', 'list'], { ...env, SGW_TOKEN: gateway.keys.privacy });
  expect(privacy).toMatchObject({ code: 1, stdout: '' });
  expect(privacy.stderr).toMatch(/\(403\)/);
});

test('a bulk retry with --dry-run counts the matching transfers and changes none of them', async () => {
  const before = await Promise.all(failed.map(getTransfer));
  const json = await sgw(['transfers', 'retry', '--status', 'failed', '--supplier', 'openprovider', '--since', '2h', '--dry-run', '--json'], env);
  expect(json).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(json.stdout)).toEqual({ matched: 2, retried: 0, nextCursor: null });
  const human = await sgw(['transfers', 'retry', '--error', 'supplier.rejected.domain_taken', '--dry-run'], env);
  expect(human).toMatchObject({ code: 0, stdout: '2 matching transfers; none retried (dry run).\n' });
  expect(await Promise.all(failed.map(getTransfer))).toEqual(before);
});

test('retry of one failed transfer: queued again, and the worker tries it a second time', async () => {
  const result = await sgw(['transfers', 'retry', failed[0], '--json'], env);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(result.stdout)).toMatchObject({ id: failed[0], status: 'queued' });
  await waitFor(async () => {
    const transfer = await getTransfer(failed[0]);
    return transfer.status === 'failed' && transfer.attempts === 2;
  }, 'the second attempt to fail as the first did');
});

test('a bulk retry retries every transfer the filters match, once each', async () => {
  const attemptsBefore = (await Promise.all(failed.map(getTransfer))).map((transfer) => transfer.attempts);
  const result = await sgw(['transfers', 'retry', '--error', 'supplier.rejected', '--since', '1h'], env);
  expect(result).toMatchObject({ code: 0, stdout: 'Retried 2 of 2 matching transfers.\n', stderr: '' });
  for (const [index, id] of failed.entries()) {
    await waitFor(async () => {
      const transfer = await getTransfer(id);
      return transfer.status === 'failed' && transfer.attempts === attemptsBefore[index] + 1;
    }, `transfer ${id} to be tried once more`);
  }
  expect((await getTransfer(delivered)).attempts).toBe(1);
});
