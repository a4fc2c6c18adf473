import { Writable } from 'node:stream';
import { getConnectorDefinition } from '../../connectors';
import type { QueuePolicy } from '../../src/config/suppliers';
import { startGateway, type Gateway } from '../../src/gateway';
import { createLogger } from '../../src/log/logger';
import { sandboxSupplier, type TestGateway } from './gateway';

/**
 * Another worker-only process for the same gateway — SGW_ROLE=worker on a second machine (DESIGN §6):
 * same queue prefix, database schema, keys and sandbox, run in this process.
 */
export async function startSecondWorker(gateway: TestGateway, queue?: Partial<QueuePolicy>): Promise<Gateway> {
  if (gateway.db.kind !== 'postgres') throw new Error('a second worker needs the PostgreSQL test gateway: PGlite is one process only');
  const [{ schema }] = await gateway.db.query<{ schema: string }>('select current_schema() as schema');
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  return startGateway({
    env: { ...gateway.env, role: 'worker' },
    suppliers: [sandboxSupplier(gateway.sandbox, queue)],
    connectorDefinition: getConnectorDefinition,
    log: createLogger('error', discard),
    databaseSchema: schema,
  });
}
