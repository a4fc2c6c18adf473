import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import IORedis from 'ioredis';
import { Client } from 'pg';

export const root = path.join(__dirname, '..');

/** Every process started, so that all are stopped even when a later one fails to start. */
export const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A TypeScript script of this repository in a process of its own. */
export function startProcess(script: string, env: Record<string, string>, stdout: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'inherit'] });
  children.push(child);
  return child;
}

/** Starts a server on a free port and waits until its /readyz answers 200. */
export async function startServer(script: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = startProcess(script, { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then((response) => response.ok, () => false);
    if (ready) return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${script} did not become ready`);
}

/** The first line a process writes to stdout. */
export async function firstLine(child: ChildProcess): Promise<string> {
  for await (const line of createInterface({ input: child.stdout! })) return line;
  throw new Error('the process ended without a line');
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A throwaway gateway environment: its own PostgreSQL database, Redis key prefix, data dir and API keys file. */
export interface BenchEnvironment {
  /** The throwaway database's URL. */
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  dataDir: string;
  keysFile: string;
  /** What `src/start.ts` needs to run in this environment, fresh keys included. */
  gatewayEnv: Record<string, string>;
  /** Stops every process started, drops the database, deletes the prefix's Redis keys and the data dir. */
  dispose(): Promise<void>;
}

/** Creates the environment of one benchmark (`name` goes into the database, prefix and dir names). */
export async function benchEnvironment(name: string): Promise<BenchEnvironment> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const suffix = randomBytes(4).toString('hex');
  const database = `sgw_${name}_${suffix}`;
  const prefix = `sgw${name}${suffix}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `sgw-${name}-`));
  const keysFile = path.join(dataDir, 'api-keys.json');
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString();
  return {
    databaseUrl,
    redisUrl,
    prefix,
    dataDir,
    keysFile,
    gatewayEnv: {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      SGW_DATA_DIR: dataDir,
      SGW_API_KEYS_FILE: keysFile,
      SGW_QUEUE_PREFIX: prefix,
      SGW_MASTER_KEY: randomBytes(32).toString('base64'),
      SGW_SUBJECT_HASH_KEY: randomBytes(32).toString('base64'),
      SGW_LOG_SIGNING_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    },
    async dispose() {
      await Promise.all(children.map(stop));
      await admin.query(`drop database ${database} with (force)`);
      await admin.end();
      // Hundreds of thousands of jobs: deleted a page at a time, never spread into one call.
      const redis = new IORedis(redisUrl);
      for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) if (keys.length) await redis.unlink(...keys);
      redis.disconnect();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
