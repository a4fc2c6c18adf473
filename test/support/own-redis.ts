import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './gateway-process';

export interface OwnRedis {
  url: string;
  /** Starts the server (again, on the same port) unless it runs; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it; resolves once it has ended. */
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, without persistence, for outages: the shared Redis is
 * never stopped. Not started until `start()`.
 */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let server: ChildProcess | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (server && server.exitCode === null) return;
      const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
      server = started;
      return new Promise((resolve, reject) => {
        let output = '';
        started.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) resolve();
        });
        started.once('exit', (code) => reject(new Error(`redis-server ended (code ${code}):\n${output}`)));
      });
    },
    async stop() {
      const running = server;
      server = undefined;
      if (!running || running.exitCode !== null) return;
      const ended = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await ended;
    },
  };
}
