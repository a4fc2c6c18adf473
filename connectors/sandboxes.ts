import type { SupplierConfig } from '../src/config/suppliers';
import { defaultQueuePolicy } from '../src/config/suppliers';
import { startOpenproviderSandbox } from './openprovider/sandbox';
import { startPgpSftpSandbox } from './pgp-sftp/sandbox';
import { startRealtimeRegisterSandbox } from './realtimeregister/sandbox';
import { startSidnSandbox } from './sidn-epp/sandbox';

export interface RunningSandbox {
  supplier: SupplierConfig;
  /** Where the simulator listens, for the start-up message. */
  url: string;
  close(): Promise<void>;
}

/** Simulators `npm start` runs in-process when no suppliers file is given: one per bundled connector. */
const sandboxes: Record<string, () => Promise<RunningSandbox>> = {
  openprovider: async () => {
    const sandbox = await startOpenproviderSandbox();
    return {
      supplier: {
        id: 'openprovider',
        connector: 'openprovider',
        config: { baseUrl: sandbox.url, username: sandbox.username, password: sandbox.password },
        queue: defaultQueuePolicy,
      },
      url: sandbox.url,
      close: () => sandbox.close(),
    };
  },
  realtimeregister: async () => {
    const sandbox = await startRealtimeRegisterSandbox();
    return {
      supplier: {
        id: 'realtimeregister',
        connector: 'realtimeregister',
        config: { baseUrl: sandbox.url, customer: sandbox.customer, apiKey: sandbox.apiKey },
        queue: defaultQueuePolicy,
      },
      url: sandbox.url,
      close: () => sandbox.close(),
    };
  },
  'debt-collector': async () => {
    const sandbox = await startPgpSftpSandbox();
    return {
      supplier: { id: 'debt-collector', connector: 'pgp-sftp', config: { ...sandbox.config }, queue: defaultQueuePolicy },
      url: sandbox.url,
      close: () => sandbox.close(),
    };
  },
  sidn: async () => {
    const sandbox = await startSidnSandbox();
    const { host, port, clientId, password, caFile } = sandbox;
    return {
      supplier: { id: 'sidn', connector: 'sidn-epp', config: { host, port, clientId, password, caFile }, queue: defaultQueuePolicy },
      url: `epp+tls://${host}:${port}`,
      close: () => sandbox.close(),
    };
  },
};

export async function startSandboxes(): Promise<RunningSandbox[]> {
  return Promise.all(Object.values(sandboxes).map((start) => start()));
}

/** The simulator of one bundled supplier, by its key above (benchmarks run it in a process of its own). */
export async function startSandbox(name: string): Promise<RunningSandbox> {
  if (!Object.hasOwn(sandboxes, name)) throw new Error(`no sandbox named ${name}; there are ${Object.keys(sandboxes).join(', ')}`);
  return sandboxes[name]();
}
