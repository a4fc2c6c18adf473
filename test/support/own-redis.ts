import { spawn } from 'node:child_process';
import net from 'node:net';
import IORedis from 'ioredis';
import { waitFor } from './services';

export interface OwnRedis {
  url: string;
  /** A client of this server, for the test's own commands (FLUSHALL is safe here: nobody else uses it). */
  client: IORedis;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A Redis server of the test's own on a free port, keeping nothing on disk: never the shared one (SERVICES.md). */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const url = `redis://127.0.0.1:${port}`;
  const client = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await waitFor(async () => (await client.connect().then(() => true, () => false)) || client.status === 'ready', 'the test Redis to start', 10_000);
  return {
    url,
    client,
    async stop() {
      client.disconnect();
      server.kill('SIGKILL');
      await exited;
    },
  };
}
