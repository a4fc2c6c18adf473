import { createServer } from 'node:net';
import { type ConformanceFault, describeConnectorConformance } from '../conformance/suite';
import { sidnEpp } from '../../../connectors/sidn-epp/connector';
import { startSidnSandbox } from '../../../connectors/sidn-epp/sandbox';
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

const TIMEOUT_MS = 1500;
/** EPP's 2502 carries no Retry-After: the connector waits its configured time, which the injected fault must match. */
const RATE_LIMIT_RETRY_AFTER_MS = 3000;

describeConnectorConformance('sidn-epp', {
  definition: sidnEpp,
  async start() {
    const sandbox = await startSidnSandbox();
    // A second sandbox, whose CA the connector is not given.
    const untrusted = await startSidnSandbox();
    const config = {
      host: sandbox.host,
      port: sandbox.port,
      clientId: sandbox.clientId,
      password: sandbox.password,
      caFile: sandbox.caFile,
      timeoutMs: TIMEOUT_MS,
      rateLimitRetryAfterMs: RATE_LIMIT_RETRY_AFTER_MS,
    };
    return {
      config,
      timeoutMs: TIMEOUT_MS,
      badCredentialsConfig: { ...config, password: 'not-the-password' },
      unreachableConfig: { ...config, port: await closedPort() },
      untrustedTlsConfig: { host: untrusted.host, port: untrusted.port, clientId: untrusted.clientId, password: untrusted.password, timeoutMs: TIMEOUT_MS },
      samplePayload: () => registerPayload(),
      rejectedPayload: () => ({ payload: registerPayload({ domain: `taken-${process.pid}-${Date.now()}.nl` }), code: 'domain_taken' }),
      inject: async (fault: ConformanceFault) => {
        if (fault.kind === 'rate_limit' && fault.retryAfterSeconds * 1000 !== RATE_LIMIT_RETRY_AFTER_MS) {
          throw new Error(`the sidn fixture waits ${RATE_LIMIT_RETRY_AFTER_MS} ms after 2502, not ${fault.retryAfterSeconds} s`);
        }
        sandbox.faults.inject(fault.kind === 'rate_limit' ? { kind: 'rate_limit' } : fault);
      },
      clearFaults: async () => sandbox.faults.clear(),
      // A registered domain's registrant is linked: SIDN refuses contact:delete with 2305.
      erasureOfDelivered: 'retained' as const,
      subjectRecords: async () => sandbox.contacts().map((contact) => contact.id),
      digestOfDelivery: async (supplierReference: string) => {
        const digest = sandbox.digestOf(supplierReference);
        if (digest === undefined) throw new Error('the sandbox holds no domain with that ROID');
        return digest;
      },
      async stop() {
        await Promise.all([sandbox.close(), untrusted.close()]);
      },
    };
  },
});
