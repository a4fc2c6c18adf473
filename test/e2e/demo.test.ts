import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiKey, roles, type ApiRole } from '../../src/api/api-keys';
import { api } from '../support/gateway';
import { spawnProcess, startedLine, type RunningProcess } from '../support/gateway-process';
import { removeRedisKeys, testRedisUrl, uniqueName, waitFor } from '../support/services';

/**
 * `npm start` with no suppliers file, as a new user runs it: every bundled connector's sandbox starts
 * in-process with one supplier each, and the README's first transfers reach each of them. Then one subject's
 * erasure asks all four: the registrars keep the registrant of a registered domain, the file supplier is sent
 * a signed request.
 */
const examples = path.join(__dirname, '..', '..', 'examples');
const suppliers = [
  { id: 'openprovider', connector: 'openprovider', example: 'domain-register.json', erasure: 'retained' },
  { id: 'realtimeregister', connector: 'realtimeregister', example: 'domain-register.json', erasure: 'retained' },
  { id: 'sidn', connector: 'sidn-epp', example: 'domain-register.json', erasure: 'retained' },
  { id: 'debt-collector', connector: 'pgp-sftp', example: 'debt-collect.json', erasure: 'sent' },
] as const;

let dir: string;
let prefix: string;
let running: RunningProcess;
let gateway: { url: string };
let keys: Record<ApiRole, string>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-demo-'));
  prefix = uniqueName('sgwdemo');
  const apiKeysFile = path.join(dir, 'api-keys.json');
  keys = Object.fromEntries(roles.map((role) => [role, createApiKey(apiKeysFile, `demo-${role}`, role).token])) as Record<ApiRole, string>;
  running = spawnProcess({ PORT: '0', REDIS_URL: testRedisUrl, SGW_DATA_DIR: path.join(dir, 'data'), SGW_API_KEYS_FILE: apiKeysFile, SGW_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' });
  const started = await running.logged(startedLine, 90_000);
  gateway = { url: started.url as string };
}, 120_000);

afterAll(async () => {
  running.process.kill('SIGTERM');
  await running.exited;
  await removeRedisKeys(prefix);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

const subject = uniqueName('demo-customer-');

test('GET /v1/suppliers lists one supplier per bundled connector, each named with its connector', async () => {
  const answer = await api(gateway, 'GET', '/v1/suppliers', { token: keys.ops });
  expect(answer.status).toBe(200);
  const listed = answer.json.items.map((item: { id: string; connector: string }) => ({ id: item.id, connector: item.connector }));
  expect(listed).toEqual(expect.arrayContaining(suppliers.map(({ id, connector }) => ({ id, connector }))));
  expect(listed).toHaveLength(suppliers.length);
  for (const { id } of suppliers) expect(running.output()).toContain(`${id} at `);
});

test("the README's example transfers reach each supplier: delivered, with a share entry naming what was sent", async () => {
  const delivered = await Promise.all(
    suppliers.map(async ({ id, example }) => {
      const body = { ...JSON.parse(readFileSync(path.join(examples, example), 'utf8')), supplier: id, subject: { id: subject } };
      const posted = await api(gateway, 'POST', '/v1/transfers', { token: keys.provisioning, body, headers: { 'idempotency-key': uniqueName('demo-') } });
      expect(posted.status).toBe(202);
      return waitFor(async () => {
        const answer = await api(gateway, 'GET', `/v1/transfers/${posted.json.id}`, { token: keys.ops });
        if (answer.json.status === 'failed') throw new Error(`${id}: ${JSON.stringify(answer.json.lastError)}`);
        return answer.json.status === 'delivered' && answer.json;
      }, `the transfer to ${id} to be delivered`, 60_000);
    }),
  );
  for (const transfer of delivered) expect(transfer.supplierReference).toEqual(expect.any(String));

  const shares = await api(gateway, 'GET', `/v1/shares?subject=${subject}`, { token: keys.privacy });
  const succeeded = shares.json.items.filter((entry: { event: string }) => entry.event === 'delivery.succeeded');
  expect(succeeded.map((entry: { supplier: string }) => entry.supplier).sort()).toEqual(suppliers.map(({ id }) => id).sort());
  for (const entry of succeeded) {
    expect(entry.sentDigest).toMatch(/^[0-9a-f]{64}$/);
    // The file is encrypted to the supplier's key and signed with the gateway's: both are on record.
    if (entry.supplier === 'debt-collector') {
      expect(entry.encryption).toEqual({ scheme: expect.any(String), recipientKeyFingerprint: expect.stringMatching(/^[0-9a-f]{40,64}$/), signingKeyFingerprint: expect.stringMatching(/^[0-9a-f]{40,64}$/) });
      expect(entry.encryption.recipientKeyFingerprint).not.toBe(entry.encryption.signingKeyFingerprint);
    } else expect(entry.encryption).toBeNull();
  }
}, 120_000);

test('each supplier takes part in ops: its deliveries, queue and breaker are in /metrics, and it pauses and resumes', async () => {
  const metrics = (await fetch(`${gateway.url}/metrics`).then((response) => response.text())).split('\n');
  for (const { id } of suppliers) {
    expect(metrics).toContain(`sgw_transfers_delivered_total{supplier="${id}"} 1`);
    expect(metrics).toContain(`sgw_supplier_breaker_state{supplier="${id}",state="closed"} 1`);
    expect(metrics.some((line) => line.startsWith(`sgw_queue_jobs{supplier="${id}",`))).toBe(true);
    for (const action of ['pause', 'resume']) {
      const answer = await api(gateway, 'POST', `/v1/suppliers/${id}/${action}`, { token: keys.ops });
      expect({ id, action, status: answer.status, paused: answer.json.paused }).toEqual({ id, action, status: 200, paused: action === 'pause' });
    }
  }
});

test("the subject's erasure asks every supplier that received its data; each answers as it must, and the erasure completes", async () => {
  const started = await api(gateway, 'POST', `/v1/subjects/${subject}/erasure`, { token: keys.privacy, body: { reference: 'demo-erasure', reason: 'consent_withdrawn' } });
  expect(started.status).toBe(202);
  const statement = await waitFor(async () => {
    const answer = await api(gateway, 'GET', `/v1/erasures/${started.json.id}`, { token: keys.privacy });
    return answer.json.status === 'completed' && answer.json;
  }, 'the erasure to complete', 60_000);
  const answers = Object.fromEntries(statement.recipients.map((recipient: { supplier: string; status: string }) => [recipient.supplier, recipient.status]));
  expect(answers).toEqual(Object.fromEntries(suppliers.map(({ id, erasure }) => [id, erasure])));
}, 90_000);
