import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOpenproviderSandbox, type OpenproviderSandbox } from '../../connectors/openprovider/sandbox';
import { createApiKey } from '../../src/api/api-keys';
import { api, registerBody } from '../support/gateway';
import { removeRedisKeys, sql, testDatabaseUrl, testRedisUrl, uniqueName, waitFor } from '../support/services';
import { makeThrowawayCa } from '../support/tls';

/**
 * "Pointing SGW_SUPPLIERS_FILE at a real Openprovider-compatible endpoint works without code changes":
 * the gateway runs as its own process, configured only by environment and a suppliers file, against an
 * HTTPS server whose certificate a private CA signed. With the CA in NODE_EXTRA_CA_CERTS it delivers;
 * without it, nothing is sent and the transfer says why.
 */
const repoRoot = path.join(__dirname, '..', '..');
let dir: string;
let caFile: string;
let sandbox: OpenproviderSandbox;
let database: string;
let environment: Record<string, string>;
let tokens: { provisioning: string; ops: string; privacy: string };
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-e2e-https-'));
  const tls = makeThrowawayCa(dir, 'supplier-gateway e2e CA');
  caFile = tls.caFile;
  sandbox = await startOpenproviderSandbox({ tls: { key: tls.key, cert: tls.cert } });
  database = uniqueName('sgw_e2e_');
  await sql(`create database ${database}`);
  const suppliersFile = path.join(dir, 'suppliers.json');
  const config = { baseUrl: sandbox.url, username: { env: 'OPENPROVIDER_USERNAME' }, password: { env: 'OPENPROVIDER_PASSWORD' } };
  // Two attempts, so a transfer that cannot be delivered reaches its final state within the test.
  writeFileSync(suppliersFile, JSON.stringify({ suppliers: { openprovider: { connector: 'openprovider', config, queue: { attempts: 2 } } } }));
  const apiKeysFile = path.join(dir, 'api-keys.json');
  const token = (role: 'provisioning' | 'ops' | 'privacy') => createApiKey(apiKeysFile, `e2e-${role}`, role).token;
  tokens = { provisioning: token('provisioning'), ops: token('ops'), privacy: token('privacy') };
  environment = {
    PATH: process.env.PATH!,
    PORT: '0',
    REDIS_URL: testRedisUrl,
    DATABASE_URL: Object.assign(new URL(testDatabaseUrl), { pathname: `/${database}` }).toString(),
    SGW_DATA_DIR: path.join(dir, 'data'),
    SGW_QUEUE_PREFIX: uniqueName('sgwe2e'),
    SGW_MASTER_KEY: randomBytes(32).toString('base64'),
    SGW_SUBJECT_HASH_KEY: randomBytes(32).toString('base64'),
    SGW_API_KEYS_FILE: apiKeysFile,
    SGW_SUPPLIERS_FILE: suppliersFile,
    OPENPROVIDER_USERNAME: sandbox.username,
    OPENPROVIDER_PASSWORD: sandbox.password,
    LOG_LEVEL: 'info',
  };
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sandbox?.close();
  if (environment) await removeRedisKeys(environment.SGW_QUEUE_PREFIX);
  if (database) await sql(`drop database if exists ${database} with (force)`);
  rmSync(dir, { recursive: true, force: true });
});

/** `npm start`'s command with the shared environment plus `extra`; resolves once it logged its URL. */
async function startGateway(extra: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/start.ts'], { cwd: repoRoot, env: { ...environment, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await Promise.race([
    waitFor(async () => /"message":"supplier-gateway started".*?"url":"([^"]+)"/.exec(output)?.[1], 'the gateway to start', 20_000),
    exited.then((code) => Promise.reject(new Error(`the gateway ended (code ${code}):\n${output}`))),
  ]);
  return {
    url,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      children.delete(child);
      return code;
    },
  };
}

async function postTransfer(gateway: { url: string }) {
  const body = registerBody();
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: tokens.provisioning, body, headers: { 'idempotency-key': uniqueName('e2e-') } });
  expect(answer.status).toBe(202);
  return { id: answer.json.id as string, domain: body.data.domain, subject: body.subject.id };
}

const transferUntil = (gateway: { url: string }, id: string, statuses: string[]) =>
  waitFor(async () => {
    const answer = await api(gateway, 'GET', `/v1/transfers/${id}`, { token: tokens.ops });
    return statuses.includes(answer.json?.status) ? answer.json : undefined;
  }, `transfer ${id} to be ${statuses.join(' or ')}`);

const sharesOf = async (gateway: { url: string }, subject: string) =>
  (await api(gateway, 'GET', `/v1/shares?subject=${encodeURIComponent(subject)}`, { token: tokens.privacy })).json.items as Record<string, unknown>[];

test('with the private CA in NODE_EXTRA_CA_CERTS, a transfer is delivered over verified HTTPS', async () => {
  const gateway = await startGateway({ NODE_EXTRA_CA_CERTS: caFile });
  expect(sandbox.url).toMatch(/^https:\/\//);
  const transfer = await postTransfer(gateway);
  const delivered = await transferUntil(gateway, transfer.id, ['delivered', 'failed']);
  expect(delivered).toMatchObject({ status: 'delivered', lastError: null });
  const registered = sandbox.domains().find((domain) => domain.name === transfer.domain);
  expect(delivered.supplierReference).toBe(String(registered?.id));
  expect(sandbox.requests()['POST /customers']).toBe(1);
  expect((await sharesOf(gateway, transfer.subject)).map((entry) => entry.event)).toEqual(['delivery.attempted', 'delivery.succeeded']);
  expect(await gateway.stop()).toBe(0);
});

test('the same deployment without the CA sends nothing: the transfer fails as tls_unverified', async () => {
  const gateway = await startGateway();
  const before = sandbox.requests();
  const transfer = await postTransfer(gateway);
  const failed = await transferUntil(gateway, transfer.id, ['delivered', 'failed', 'unknown']);
  expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: 'tls_unverified' } });
  expect(failed.lastError.detail).toMatch(/NODE_EXTRA_CA_CERTS/);
  // The handshake failed, so not even the login reached the server.
  expect(sandbox.requests()).toEqual(before);
  expect(sandbox.domains().map((domain) => domain.name)).not.toContain(transfer.domain);
  // The attempt was logged before anything could leave, and its outcome is a known failure.
  const shares = await sharesOf(gateway, transfer.subject);
  expect(shares.map((entry) => entry.event)).toEqual(['delivery.attempted', 'delivery.failed']);
  expect(shares[1]).toMatchObject({ errorCode: 'tls_unverified', outcomeUnknown: false });
  expect(await gateway.stop()).toBe(0);
});
