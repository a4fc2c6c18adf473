import { PassThrough } from 'node:stream';
import { getConnectorDefinition } from '../../connectors';
import type { EnvConfig } from '../../src/config/env';
import type { QueuePolicy } from '../../src/config/suppliers';
import { startGateway, type Gateway } from '../../src/gateway';
import { createLogger } from '../../src/log/logger';
import { sandboxSupplier, type TestGateway } from './gateway';

/**
 * Another worker-only process for the same gateway — SGW_ROLE=worker on a second machine (docs/architecture.md, "Scale"):
 * same queue prefix, database schema, keys and sandbox, run in this process.
 */
export async function startSecondWorker(
  gateway: TestGateway,
  queue?: Partial<QueuePolicy>,
  env: Partial<EnvConfig> = {},
): Promise<Gateway & { logs(): string }> {
  if (gateway.db.kind !== 'postgres') throw new Error('a second worker needs the PostgreSQL test gateway: PGlite is one process only');
  const [{ schema }] = await gateway.db.query<{ schema: string }>('select current_schema() as schema');
  let logged = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (logged += chunk.toString()));
  const worker = await startGateway({
    env: { ...gateway.env, ...env, role: 'worker' },
    suppliers: [sandboxSupplier(gateway.sandbox, queue)],
    connectorDefinition: getConnectorDefinition,
    log: createLogger('info', stream),
    databaseSchema: schema,
  });
  return { ...worker, logs: () => logged };
}
