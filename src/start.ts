import { ConfigError } from './config/config-error';
import { loadEnv } from './config/env';
import { loadSuppliersFile, parseSuppliers } from './config/suppliers';
import { startGateway } from './gateway';
import { createLogger } from './log/logger';
import { DatabaseUnavailableError } from './store';
import { getConnectorDefinition } from '../connectors';
import { startSandboxes, type RunningSandbox } from '../connectors/sandboxes';

/**
 * A graceful stop lets deliveries under way finish (the workers give them 10 s); past this, a stop that
 * still waits (a close stuck on an unreachable Redis, say) ends the process anyway: an orchestrator's
 * SIGTERM must never be left unanswered.
 */
const stopDeadlineMs = 20_000;

/** Process entry: reads the environment, starts the API and/or workers for SGW_ROLE, stops gracefully. */
async function main(): Promise<void> {
  const env = loadEnv();
  const log = createLogger(env.logLevel);
  let sandboxes: RunningSandbox[] = [];
  let suppliers;
  if (env.suppliersFile) suppliers = loadSuppliersFile(env.suppliersFile, getConnectorDefinition);
  else {
    sandboxes = await startSandboxes();
    // Validated like a real suppliers file, so the sandboxes exercise the same path.
    suppliers = parseSuppliers({ suppliers: Object.fromEntries(sandboxes.map(({ supplier: { id, ...entry } }) => [id, entry])) }, getConnectorDefinition, {}, 'sandbox suppliers');
  }
  const gateway = await startGateway({ env, suppliers, connectorDefinition: getConnectorDefinition, log });
  log.info('supplier-gateway started', { role: env.role, url: gateway.url, database: gateway.db.kind, suppliers: suppliers.map((supplier) => supplier.id) });
  if (sandboxes.length && env.role !== 'worker') printFirstSteps(gateway.url, sandboxes);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    setTimeout(() => {
      log.error('stopping took too long: exiting without waiting further', { durationMs: stopDeadlineMs });
      process.exit(1);
    }, stopDeadlineMs).unref();
    await gateway.close();
    await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function printFirstSteps(url: string, sandboxes: RunningSandbox[]): void {
  console.log(`
supplier-gateway is running at ${url} with in-process supplier sandboxes (${sandboxes.map((sandbox) => `${sandbox.supplier.id} at ${sandbox.url}`).join(', ')}).
First transfer: create a key in another terminal, then post a domain registration (the README walks through it):
  TOKEN=$(npx sgw keys create --name me --role admin | tail -n 1)
  curl -s -X POST ${url}/v1/transfers -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -H "Idempotency-Key: $(uuidgen || date +%s%N)" --data @examples/domain-register.json
`);
}

main().catch((error: Error) => {
  // One clear line for a bad setting or an unreachable database; anything else is a bug worth its stack.
  if (error instanceof ConfigError) console.error(`supplier-gateway: ${error.message}`);
  else if (error instanceof DatabaseUnavailableError) console.error('supplier-gateway: the database is unreachable (DATABASE_URL); start it or fix the URL');
  else console.error(error);
  process.exit(1);
});
