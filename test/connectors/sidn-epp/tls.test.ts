import { ConnectorError, SupplierUntrustedTlsError } from '../../../src/connector-kit';
import { sidnEpp } from '../../../connectors/sidn-epp/connector';
import { type SidnSandbox, startSidnSandbox } from '../../../connectors/sidn-epp/sandbox';

const configFor = (sandbox: SidnSandbox) => ({ host: sandbox.host, port: sandbox.port, clientId: sandbox.clientId, password: sandbox.password, timeoutMs: 2000 });

describe('a sandbox that requires a client certificate', () => {
  let sandbox: SidnSandbox;
  beforeAll(async () => {
    sandbox = await startSidnSandbox({ requireClientCert: true });
  });
  afterAll(() => sandbox.close());

  test('accepts the connector with clientCertFile and clientKeyFile', async () => {
    const connector = sidnEpp.create({ ...configFor(sandbox), caFile: sandbox.caFile, clientCertFile: sandbox.clientCertFile, clientKeyFile: sandbox.clientKeyFile });
    await expect(connector.check()).resolves.toBeUndefined();
    await connector.close?.();
    expect(sandbox.logins()).toBe(1);
  });

  test('refuses the connector without one: a connector-kit error, and no login', async () => {
    const before = sandbox.logins();
    const connector = sidnEpp.create({ ...configFor(sandbox), caFile: sandbox.caFile });
    await expect(connector.check()).rejects.toBeInstanceOf(ConnectorError);
    await connector.close?.();
    expect(sandbox.logins()).toBe(before);
  });
});

describe('server certificate trust', () => {
  let sandbox: SidnSandbox;
  beforeAll(async () => {
    sandbox = await startSidnSandbox();
  });
  afterAll(() => sandbox.close());

  test('without the sandbox CA (system CAs only) the certificate is untrusted: SupplierUntrustedTlsError, permanent', async () => {
    const connector = sidnEpp.create(configFor(sandbox));
    const error = await connector.check().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(SupplierUntrustedTlsError);
    expect(error).toMatchObject({ code: 'untrusted_tls', retryable: false });
    await connector.close?.();
  });

  test('caFile adds the sandbox CA to the trusted ones', async () => {
    const connector = sidnEpp.create({ ...configFor(sandbox), caFile: sandbox.caFile });
    await expect(connector.check()).resolves.toBeUndefined();
    await connector.close?.();
  });
});
