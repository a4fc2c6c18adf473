import { createServer } from 'node:net';
import { describeConnectorConformance } from '../../../src/connector-kit/conformance';
import { openprovider } from '../../../connectors/openprovider/connector';
import { startOpenproviderSandbox } from '../../../connectors/openprovider/sandbox';
import { registerPayload } from './support/payloads';

/** A loopback port that was free a moment ago and has nothing listening now. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describeConnectorConformance('openprovider', {
  definition: openprovider,
  async start() {
    const sandbox = await startOpenproviderSandbox();
    const config = { baseUrl: sandbox.url, username: sandbox.username, password: sandbox.password };
    return {
      config,
      badCredentialsConfig: { ...config, password: 'not-the-sandbox-password' },
      unreachableConfig: { ...config, baseUrl: `http://127.0.0.1:${await closedPort()}/v1beta` },
      samplePayload: () => registerPayload(),
      stop: () => sandbox.close(),
    };
  },
});
