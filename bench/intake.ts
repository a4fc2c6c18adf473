import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { createApiKey } from '../src/api/api-keys';

/**
 * `npm run bench`: POST /v1/transfers at 50 connections against the gateway on PostgreSQL (API role:
 * intake only), and against a bare Express + queue.add endpoint measured in the same run. Figures are
 * reported as ratios; absolute numbers mostly measure the machine.
 */
const connections = 50;
const durationSeconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const root = path.join(__dirname, '..');

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  accepted: number;
  errors: number;
  /** The server process's CPU time per request (user + system), steadier than req/s on a shared machine. */
  cpuMicrosPerRequest: number | null;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Every server started, so that all are stopped even when a later one fails to start. */
const children: ChildProcess[] = [];

async function startServer(script: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then((response) => response.ok, () => false);
    if (ready) return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${script} did not become ready`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function body(): string {
  return JSON.stringify({
    supplier: 'openprovider',
    operation: 'domain.register',
    subject: { id: `bench-${randomUUID()}` },
    purpose: 'domain_registration',
    basis: { type: 'contract', reference: `order-${randomUUID()}` },
    data: {
      domain: `bench-${randomBytes(6).toString('hex')}.nl`,
      period: 1,
      nameServers: ['ns1.example.net', 'ns2.example.net'],
      registrant: {
        firstName: 'Jan',
        lastName: 'Jansen',
        email: 'jan.jansen@example.nl',
        phone: '+31201234567',
        dateOfBirth: '1970-01-01',
        address: { street: 'Voorbeeldstraat', number: '1', postalCode: '1011AB', city: 'Amsterdam', country: 'NL' },
      },
    },
  });
}

/** User + system CPU time of a process in microseconds, from /proc (Linux); null elsewhere. */
function cpuMicros(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6;
  } catch {
    return null;
  }
}

async function load(server: { url: string; child: ChildProcess }, token: string | undefined, seconds: number): Promise<Figures> {
  const cpuBefore = cpuMicros(server.child.pid!);
  const result = await autocannon({
    url: `${server.url}/v1/transfers`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({
          ...request,
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...(token && { authorization: `Bearer ${token}` }) },
          body: body(),
        }),
      },
    ],
  });
  const cpuAfter = cpuMicros(server.child.pid!);
  const requests = result['2xx'] + result.non2xx;
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    accepted: result['2xx'],
    errors: result.errors + result.non2xx,
    cpuMicrosPerRequest: cpuBefore !== null && cpuAfter !== null && requests ? (cpuAfter - cpuBefore) / requests : null,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sgw-bench-'));
  const database = `sgw_bench_${randomBytes(4).toString('hex')}`;
  const prefix = `sgwbench${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const gatewayDatabaseUrl = Object.assign(new URL(databaseUrl), { pathname: `/${database}` }).toString();
  const keysFile = path.join(dataDir, 'api-keys.json');
  const { token } = createApiKey(keysFile, 'bench', 'provisioning');
  try {
    const bare = await startServer('bench/bare-endpoint.ts', { REDIS_URL: redisUrl, BENCH_PREFIX: prefix });
    const gateway = await startServer('src/start.ts', {
      SGW_ROLE: 'api',
      DATABASE_URL: gatewayDatabaseUrl,
      REDIS_URL: redisUrl,
      SGW_DATA_DIR: dataDir,
      SGW_API_KEYS_FILE: keysFile,
      SGW_QUEUE_PREFIX: prefix,
      SGW_MASTER_KEY: randomBytes(32).toString('base64'),
      SGW_SUBJECT_HASH_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    });
    console.log(`intake benchmark: ${connections} connections, ${rounds} round(s) of ${durationSeconds} s each, gateway on PostgreSQL`);
    await load(bare, undefined, 2);
    const warmup = await load(gateway, token, 2);
    const bareRuns: Figures[] = [];
    const gatewayRuns: Figures[] = [];
    for (let round = 0; round < rounds; round++) {
      bareRuns.push(await load(bare, undefined, durationSeconds));
      gatewayRuns.push(await load(gateway, token, durationSeconds));
    }
    const best = (runs: Figures[]) => runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
    const [b, g] = [best(bareRuns), best(gatewayRuns)];
    // Every 202 must stand for a committed row: the benchmark counts them.
    const accepted = [warmup, ...gatewayRuns].reduce((sum, run) => sum + run.accepted, 0);
    const check = new Client({ connectionString: gatewayDatabaseUrl });
    await check.connect();
    const [{ count }] = (await check.query('select count(*) as count from transfers')).rows;
    await check.end();
    const line = (name: string, f: Figures) => `${name.padEnd(22)} ${f.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors}   CPU ${f.cpuMicrosPerRequest === null ? 'n/a' : `${f.cpuMicrosPerRequest.toFixed(0)} µs/request`}`;
    console.log(line('bare express+queue.add', b));
    console.log(line('gateway intake', g));
    const throughput = g.requestsPerSecond / b.requestsPerSecond;
    const tail = g.p99 / Math.max(b.p99, 1);
    console.log(`202 answers ${accepted}, transfer rows committed ${count}${Number(count) >= accepted ? '' : '  <-- MISSING ROWS'}`);
    console.log(`ratio: throughput ${throughput.toFixed(2)}x (target >= 0.60), p99 ${tail.toFixed(2)}x (target <= 2.00): ${throughput >= 0.6 && tail <= 2 ? 'MET' : 'NOT MET'}`);
  } finally {
    await Promise.all(children.map(stop));
    await admin.query(`drop database ${database} with (force)`);
    await admin.end();
    const redis = new IORedis(redisUrl);
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
