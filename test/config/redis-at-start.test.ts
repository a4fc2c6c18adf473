import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeBundledSuppliersFile } from '../support/bundled-suppliers';
import { spawnProcess, stackLines, startedLine, type RunningProcess } from '../support/gateway-process';
import { ownRedis, type OwnRedis } from '../support/own-redis';
import { sql, testDatabaseUrl, uniqueName, waitFor } from '../support/services';

let dir: string;
let database: string;
let redis: OwnRedis;
let gateway: RunningProcess | undefined;
let bundled: { close(): Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-redis-start-'));
  database = uniqueName('sgw_redis_start_');
  await sql(`create database ${database}`);
  redis = await ownRedis();
  // Every supplier the agreements know, at its sandbox: no delivery runs in these tests.
  bundled = await writeBundledSuppliersFile(suppliersFile());
});
afterAll(async () => {
  await bundled.close();
  gateway?.process.kill('SIGKILL');
  await gateway?.exited;
  await redis.stop();
  await sql(`drop database ${database} with (force)`);
  rmSync(dir, { recursive: true, force: true });
});

const suppliersFile = () => path.join(dir, 'suppliers.json');
const key = Buffer.alloc(32, 1).toString('base64');
const settings = (role: string) => ({
  SGW_ROLE: role,
  REDIS_URL: redis.url,
  DATABASE_URL: Object.assign(new URL(testDatabaseUrl), { pathname: `/${database}` }).toString(),
  SGW_SUPPLIERS_FILE: suppliersFile(),
  SGW_MASTER_KEY: key,
  SGW_SUBJECT_HASH_KEY: key,
  SGW_LOG_SIGNING_KEY: key,
  SGW_DATA_DIR: path.join(dir, 'data'),
  PORT: '0',
});

const unreachableAtStart = 'Redis is unreachable (REDIS_URL) at start: running without it, /readyz answers 503 until it answers; retrying quietly';
const unreachable = 'Redis is unreachable (REDIS_URL): /readyz answers 503 until it answers; retrying quietly';
const answersAgain = 'Redis answers again (REDIS_URL)';
const quietMs = 3000;

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

/** Every log line after the start line: the Redis lines this test expects, and nothing else. */
function linesAfterStart(process: RunningProcess) {
  const lines = process.logLines();
  return lines.slice(lines.findIndex(startedLine) + 1).map(({ level, message }) => `${level} ${message}`);
}

// With the delivery workers (SGW_ROLE=all) too: their connections' errors are the producer watch's to report.
test.each(['api', 'all'] as const)('SGW_ROLE=%s, Redis down at start: said once, the process runs not ready; one line per change after, none per retry', async (role) => {
  await redis.stop();
  gateway?.process.kill('SIGKILL');
  gateway = spawnProcess(settings(role));
  const started = await gateway.logged(startedLine);
  const url = started.url as string;
  expect(gateway.logLines().filter((line) => !startedLine(line))).toEqual([
    { level: 'warn', message: unreachableAtStart, connection: 'producer', error: { name: 'Error', code: 'ECONNREFUSED' }, timestamp: expect.any(String) },
  ]);
  expect(await readyz(url)).toBe(503);

  // ioredis retries several times a second meanwhile: none of it is logged.
  await new Promise((resolve) => setTimeout(resolve, quietMs));
  expect(linesAfterStart(gateway)).toEqual([]);

  await redis.start();
  await waitFor(async () => (await readyz(url)) === 200, 'readyz to answer 200 once Redis runs');
  await new Promise((resolve) => setTimeout(resolve, quietMs));
  expect(linesAfterStart(gateway)).toEqual([`info ${answersAgain}`]);

  await redis.stop();
  await waitFor(async () => (await readyz(url)) === 503, 'readyz to answer 503 once Redis is gone');
  await new Promise((resolve) => setTimeout(resolve, quietMs));
  expect(linesAfterStart(gateway)).toEqual([`info ${answersAgain}`, `warn ${unreachable}`]);

  await redis.start();
  await waitFor(async () => (await readyz(url)) === 200, 'readyz to answer 200 again');
  await new Promise((resolve) => setTimeout(resolve, quietMs));
  expect(linesAfterStart(gateway)).toEqual([`info ${answersAgain}`, `warn ${unreachable}`, `info ${answersAgain}`]);
  expect(stackLines(gateway.output())).toEqual([]);
  expect(gateway.process.exitCode).toBeNull();
});

test('SIGTERM while Redis is down ends the process: a stop never waits for Redis forever', async () => {
  await redis.start();
  const stopping = spawnProcess(settings('all'));
  try {
    await stopping.logged(startedLine);
    await redis.stop();
    await stopping.logged((line) => line.message === unreachable);
    const signalled = Date.now();
    stopping.process.kill('SIGTERM');
    const { code } = await stopping.exited;
    expect(Date.now() - signalled).toBeLessThan(25_000);
    expect(code).toBe(0);
    expect(stackLines(stopping.output())).toEqual([]);
  } finally {
    stopping.process.kill('SIGKILL');
  }
}, 60_000);
