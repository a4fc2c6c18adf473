import { startOpenproviderSandbox } from '../connectors/openprovider/sandbox';

/** The Openprovider sandbox in a process of its own, so that it takes no CPU from the process measured; prints where it listens as one JSON line. */
async function main(): Promise<void> {
  const sandbox = await startOpenproviderSandbox();
  console.log(JSON.stringify({ url: sandbox.url, username: sandbox.username, password: sandbox.password }));
  process.once('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
}

void main();
