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

/** The supplier entry for a sandbox: `id` served by `connector` with `config`, the default queue policy. */
function running(id: string, connector: string, config: SupplierConfig['config'], url: string, sandbox: { close(): Promise<void> }): RunningSandbox {
  return { supplier: { id, connector, config, queue: defaultQueuePolicy }, url, close: () => sandbox.close() };
}

/** Simulators `npm start` runs in-process when no suppliers file is given: one per bundled connector. */
const sandboxes: Record<string, () => Promise<RunningSandbox>> = {
  openprovider: async () => {
    const sandbox = await startOpenproviderSandbox();
    const { url, username, password } = sandbox;
    return running('openprovider', 'openprovider', { baseUrl: url, username, password }, url, sandbox);
  },
  realtimeregister: async () => {
    const sandbox = await startRealtimeRegisterSandbox();
    const { url, customer, apiKey } = sandbox;
    return running('realtimeregister', 'realtimeregister', { baseUrl: url, customer, apiKey }, url, sandbox);
  },
  'debt-collector': async () => {
    const sandbox = await startPgpSftpSandbox();
    return running('debt-collector', 'pgp-sftp', { ...sandbox.config }, sandbox.url, sandbox);
  },
  sidn: async () => {
    const sandbox = await startSidnSandbox();
    const { host, port, clientId, password, caFile } = sandbox;
    return running('sidn', 'sidn-epp', { host, port, clientId, password, caFile }, `epp+tls://${host}:${port}`, sandbox);
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
