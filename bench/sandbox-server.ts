import { startSandbox } from '../connectors/sandboxes';

/**
 * One bundled supplier sandbox (`BENCH_SANDBOX`, by default openprovider) in a process of its own, so that it
 * takes no CPU from the process measured; prints its supplier entry (id, connector, config) as one JSON line.
 */
async function main(): Promise<void> {
  const sandbox = await startSandbox(process.env.BENCH_SANDBOX ?? 'openprovider');
  console.log(JSON.stringify(sandbox.supplier));
  process.once('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
}

void main();
