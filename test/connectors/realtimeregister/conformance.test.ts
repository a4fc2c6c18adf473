import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type ConformanceFault, describeConnectorConformance } from '../conformance/suite';
import { realtimeregister } from '../../../connectors/realtimeregister/connector';
import { startRealtimeRegisterSandbox } from '../../../connectors/realtimeregister/sandbox';
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

/** The requests that carry a registrant's data: the contact and the domain. */
const DATA_ROUTES = ['contacts.create', 'domains.create'];
const TIMEOUT_MS = 1000;

describeConnectorConformance('realtimeregister', {
  definition: realtimeregister,
  async start() {
    const sandbox = await startRealtimeRegisterSandbox();
    // A second sandbox over HTTPS, with a certificate from a CA the connector is not given.
    const tlsDir = mkdtempSync(path.join(os.tmpdir(), 'realtimeregister-conformance-'));
    const untrusted = await startRealtimeRegisterSandbox({ tls: makeThrowawayCa(tlsDir, 'untrusted conformance CA') });
    // Driven over the sandbox's control API, as a test in another process would.
    const control = async (method: string, route: string, body?: unknown) => {
      const answer = await fetch(`${sandbox.controlUrl}${route}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!answer.ok) throw new Error(`sandbox control ${method} ${route} answered ${answer.status}: ${await answer.text()}`);
      return answer.status === 204 ? undefined : answer.json();
    };
    const config = { baseUrl: sandbox.url, customer: sandbox.customer, apiKey: sandbox.apiKey, timeoutMs: TIMEOUT_MS };
    return {
      config,
      timeoutMs: TIMEOUT_MS,
      badCredentialsConfig: { ...config, apiKey: 'not-the-sandbox-key' },
      unreachableConfig: { ...config, baseUrl: `http://127.0.0.1:${await closedPort()}/v2` },
      untrustedTlsConfig: { ...config, baseUrl: untrusted.url, customer: untrusted.customer, apiKey: untrusted.apiKey },
      samplePayload: () => registerPayload(),
      rejectedPayload: () => ({ payload: registerPayload({ domain: `taken-${process.pid}-${Date.now()}.nl` }), code: 'domain_taken' }),
      inject: async (fault: ConformanceFault) => {
        await control('POST', '/faults', { ...fault, routes: DATA_ROUTES });
      },
      clearFaults: async () => {
        await control('DELETE', '/faults');
      },
      // The registry needs a registered domain's registrant: Realtime Register refuses to delete a contact in use.
      erasureOfDelivered: 'retained' as const,
      subjectRecords: async () => ((await control('GET', '/state')) as { contacts: Array<{ handle: string }> }).contacts.map((contact) => contact.handle),
      // The reference is the registrant handle the domain was registered with.
      digestOfDelivery: async (supplierReference: string) =>
        ((await control('GET', '/state')) as { domains: Array<{ registrant: string; receivedDigest: string }> }).domains.find((domain) => domain.registrant === supplierReference)!
          .receivedDigest,
      async stop() {
        await Promise.all([sandbox.close(), untrusted.close()]);
        rmSync(tlsDir, { recursive: true, force: true });
      },
    };
  },
});
