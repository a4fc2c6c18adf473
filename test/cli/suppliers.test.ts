import { api, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';
import { sgw } from './sgw';

// Issue 11, point 9: `sgw suppliers`, pause and resume, and `sgw transfers cancel`, against a running gateway.
let gateway: TestGateway;
let env: Record<string, string>;
beforeAll(async () => {
  gateway = await startTestGateway();
  env = { SGW_URL: gateway.url, SGW_TOKEN: gateway.keys.ops };
});
afterAll(() => gateway.close());

async function submit(): Promise<string> {
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(), headers: { 'idempotency-key': uniqueName('cli-') } });
  expect(answer.status).toBe(202);
  return answer.json.id;
}

const supplierState = async () => (await api(gateway, 'GET', '/v1/suppliers', { token: gateway.keys.ops })).json.items[0];

test('suppliers: a table row per supplier with its state, breaker, queue counts and agreement; --json is the API answer', async () => {
  const table = await sgw(['suppliers'], env);
  expect(table).toMatchObject({ code: 0, stderr: '' });
  const [header, ...rows] = table.stdout.trimEnd().split('\n');
  expect(header.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'STATE', 'BREAKER', 'WAITING', 'ACTIVE', 'DELAYED', 'FAILED', 'AGREEMENT', 'VALID UNTIL']);
  const { displayName, agreement } = await supplierState();
  expect(rows).toEqual([expect.stringMatching(new RegExp(`^openprovider +${displayName} +running +closed +0 +0 +0 +0 +${agreement.reference} +${agreement.validUntil}$`))]);

  const json = await sgw(['suppliers', 'list', '--json'], env);
  expect(json).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(json.stdout)).toEqual({ items: [await supplierState()] });
});

test('pause holds deliveries: a transfer made meanwhile stays queued and can be cancelled, once; resume delivers again', async () => {
  const paused = await sgw(['suppliers', 'pause', 'openprovider'], env);
  expect(paused).toMatchObject({ code: 0, stdout: 'Supplier openprovider paused: its deliveries wait until it is resumed.\n', stderr: '' });
  expect(await supplierState()).toMatchObject({ paused: true });

  const held = await submit();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect((await sgw(['transfers', 'show', held, '--json'], env)).stdout).toMatch(/"status": "queued"/);
  const table = await sgw(['suppliers'], env);
  expect(table.stdout).toMatch(/^openprovider +\S.* +paused +closed +1 +0 +0 +0 /m);

  const cancelled = await sgw(['transfers', 'cancel', held], env);
  expect(cancelled).toMatchObject({ code: 0, stdout: `Transfer ${held} is cancelled.\n`, stderr: '' });
  const again = await sgw(['transfers', 'cancel', held], env);
  expect(again).toMatchObject({ code: 1, stdout: '' });
  expect(again.stderr).toMatch(/^sgw: Transfer not cancellable \(409\): The transfer is cancelled/);

  const resumed = await sgw(['suppliers', 'resume', 'openprovider', '--json'], env);
  expect(resumed).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(resumed.stdout)).toMatchObject({ id: 'openprovider', paused: false });
  expect(await transferStatus(gateway, await submit(), ['delivered', 'failed', 'unknown'])).toMatchObject({ status: 'delivered' });
  expect((await api(gateway, 'GET', `/v1/transfers/${held}`, { token: gateway.keys.ops })).json).toMatchObject({ status: 'cancelled', attempts: 0 });
});

test('pausing a supplier that is not configured: exit 1 with the 404 problem', async () => {
  const result = await sgw(['suppliers', 'pause', 'nosuchsupplier'], env);
  expect(result).toMatchObject({ code: 1, stdout: '' });
  expect(result.stderr).toMatch(/^sgw: .+ \(404\): No supplier with that id is configured\.$/m);
});
