import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type ConformanceFault, describeConnectorConformance } from '../conformance/suite';
import { openprovider } from '../../../connectors/openprovider/connector';
import { startOpenproviderSandbox } from '../../../connectors/openprovider/sandbox';
import { makeThrowawayCa } from '../../../connectors/sandbox-tls';
import { registerPayload } from '../support/payloads';

/** A loopback port that was free a moment ago and has nothing listening now. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The requests that carry a registrant's data: the customer and the domain. */
const DATA_REQUESTS = { method: 'POST', path: ['/customers', '/domains'] } as const;
const TIMEOUT_MS = 1000;

describeConnectorConformance('openprovider', {
  definition: openprovider,
  async start() {
    const sandbox = await startOpenproviderSandbox();
    // A second sandbox over HTTPS, with a certificate from a CA the connector is not given.
    const tlsDir = mkdtempSync(path.join(os.tmpdir(), 'openprovider-conformance-'));
    const untrusted = await startOpenproviderSandbox({ tls: makeThrowawayCa(tlsDir, 'untrusted conformance CA') });
    // Driven over the sandbox's control API, as a test in another process would.
    const control = async (method: string, route: string, body?: unknown) => {
      const answer = await fetch(`${sandbox.controlUrl}${route}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!answer.ok) throw new Error(`sandbox control ${method} ${route} answered ${answer.status}: ${await answer.text()}`);
      return answer.status === 204 ? undefined : answer.json();
    };
    const config = { baseUrl: sandbox.url, username: sandbox.username, password: sandbox.password, timeoutMs: TIMEOUT_MS };
    return {
      config,
      timeoutMs: TIMEOUT_MS,
      badCredentialsConfig: { ...config, password: 'not-the-sandbox-password' },
      unreachableConfig: { ...config, baseUrl: `http://127.0.0.1:${await closedPort()}/v1beta` },
      untrustedTlsConfig: { ...config, baseUrl: untrusted.url, username: untrusted.username, password: untrusted.password },
      samplePayload: () => registerPayload(),
      rejectedPayload: () => ({ payload: registerPayload({ domain: `taken-${process.pid}-${Date.now()}.nl` }), code: 'domain_taken' }),
      inject: async (fault: ConformanceFault) => {
        await control('POST', '/faults', { ...fault, ...DATA_REQUESTS });
      },
      clearFaults: async () => {
        await control('DELETE', '/faults');
      },
      // Openprovider refuses to delete the owner of a registered domain: the registry needs the registrant's data.
      erasureOfDelivered: 'retained' as const,
      digestOfDelivery: async (supplierReference: string) =>
        ((await control('GET', '/state')) as { domains: Array<{ id: number; receivedDigest: string }> }).domains.find((domain) => String(domain.id) === supplierReference)!.receivedDigest,
      subjectRecords: async () => ((await control('GET', '/state')) as { customers: Array<{ handle: string }> }).customers.map((customer) => customer.handle),
      async stop() {
        await Promise.all([sandbox.close(), untrusted.close()]);
        rmSync(tlsDir, { recursive: true, force: true });
      },
    };
  },
});
