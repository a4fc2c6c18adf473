import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createChildGatewayFixture, type ChildGateway, type ChildGatewayFixture } from '../support/child-gateway';
import { api, registerBody } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';
import { makeThrowawayCa } from '../../connectors/sandbox-tls';

/**
 * "Pointing SGW_SUPPLIERS_FILE at a real Openprovider-compatible endpoint works without code changes":
 * the gateway runs as its own process, configured only by environment and a suppliers file, against an
 * HTTPS server whose certificate a private CA signed. With the CA in NODE_EXTRA_CA_CERTS it delivers;
 * without it, nothing is sent and the transfer says why.
 */
let dir: string;
let caFile: string;
let fixture: ChildGatewayFixture;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-e2e-https-'));
  const tls = makeThrowawayCa(dir, 'supplier-gateway e2e CA');
  caFile = tls.caFile;
  // Two attempts, so a transfer that cannot be delivered reaches its final state within the test.
  fixture = await createChildGatewayFixture({ sandbox: { tls: { key: tls.key, cert: tls.cert } }, queue: { attempts: 2 } });
});

afterAll(async () => {
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function stop(gateway: ChildGateway) {
  gateway.process.kill('SIGTERM');
  return (await gateway.exited).code;
}

async function postTransfer(gateway: { url: string }) {
  const body = registerBody();
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: fixture.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('e2e-') } });
  expect(answer.status).toBe(202);
  return { id: answer.json.id as string, domain: body.data.domain, subject: body.subject.id };
}

const transferUntil = (gateway: { url: string }, id: string, statuses: string[]) =>
  waitFor(async () => {
    const answer = await api(gateway, 'GET', `/v1/transfers/${id}`, { token: fixture.keys.ops });
    return statuses.includes(answer.json?.status) ? answer.json : undefined;
  }, `transfer ${id} to be ${statuses.join(' or ')}`);

const sharesOf = async (gateway: { url: string }, subject: string) =>
  (await api(gateway, 'GET', `/v1/shares?subject=${encodeURIComponent(subject)}`, { token: fixture.keys.privacy })).json.items as Record<string, unknown>[];

test('with the private CA in NODE_EXTRA_CA_CERTS, a transfer is delivered over verified HTTPS', async () => {
  const { sandbox } = fixture;
  const gateway = await fixture.start({ NODE_EXTRA_CA_CERTS: caFile });
  expect(sandbox.url).toMatch(/^https:\/\//);
  const transfer = await postTransfer(gateway);
  const delivered = await gateway.whileRunning(transferUntil(gateway, transfer.id, ['delivered', 'failed']));
  expect(delivered).toMatchObject({ status: 'delivered', lastError: null });
  const registered = sandbox.domains().find((domain) => domain.name === transfer.domain);
  expect(delivered.supplierReference).toBe(String(registered?.id));
  expect(sandbox.requests()['POST /customers']).toBe(1);
  expect((await sharesOf(gateway, transfer.subject)).map((entry) => entry.event)).toEqual(['delivery.attempted', 'delivery.succeeded']);
  expect(await stop(gateway)).toBe(0);
});

test('the same deployment without the CA sends nothing: the transfer fails at once as untrusted_tls, without retries', async () => {
  const { sandbox } = fixture;
  const gateway = await fixture.start();
  const before = sandbox.requests();
  const transfer = await postTransfer(gateway);
  const failed = await gateway.whileRunning(transferUntil(gateway, transfer.id, ['delivered', 'failed', 'unknown']));
  // The worker prefixes the connector's code with its class; the connector's own code must be in it.
  expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: expect.stringContaining('untrusted_tls') } });
  expect(failed.lastError.detail).toMatch(/NODE_EXTRA_CA_CERTS/);
  // The handshake failed, so not even the login reached the server.
  expect(sandbox.requests()).toEqual(before);
  expect(sandbox.domains().map((domain) => domain.name)).not.toContain(transfer.domain);
  // The attempt was logged before anything could leave, and its outcome is a known failure.
  const shares = await sharesOf(gateway, transfer.subject);
  expect(shares.map((entry) => entry.event)).toEqual(['delivery.attempted', 'delivery.failed']);
  expect(shares[1]).toMatchObject({ errorCode: expect.stringContaining('untrusted_tls'), retryable: false, outcomeUnknown: false });
  expect(await stop(gateway)).toBe(0);
});
