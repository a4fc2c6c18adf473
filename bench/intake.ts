import type { ChildProcess } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { createApiKey } from '../src/api/api-keys';
import { cpuSnapshot, cpuUsed, type CpuSnapshot } from './cpu';
import { benchEnvironment, startServer } from './processes';
import { transferBody } from './transfer-body';

/**
 * `npm run bench`: POST /v1/transfers at 50 connections against the gateway on PostgreSQL (API role:
 * intake only), against a reference that does only what no intake can skip — a group-committed row and a
 * job per request (committed-write-endpoint.ts) — and against a bare Express + queue.add endpoint, in rounds:
 * each round measures all three back to back, so that a neighbour slowing this shared machine down slows
 * them alike. The headline is the gateway's throughput against the committed-write reference, with the bare
 * endpoint beside it; the ratios are the medians of the rounds' ratios. Absolute numbers mostly measure the machine.
 */
const connections = 50;
const durationSeconds = Number(process.env.BENCH_SECONDS ?? 6);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

/** CPU time (user + system, µs) of each process taking part, read from /proc (Linux only). */
interface CpuTimes {
  server: number;
  postgres: number;
  redis: number;
  loadGenerator: number;
  /** Every process on the machine: on two shared cores this, not latency, bounds the requests/s. */
  machine: number;
}

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  accepted: number;
  errors: number;
  /** Per request. */
  cpu: CpuTimes | null;
}

/** CPU used between two snapshots, per request. */
function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, serverPid: number, requests: number): CpuTimes {
  const used = (select: (pid: string, name: string) => boolean) => cpuUsed(before, after, select) / requests;
  return {
    server: used((pid) => pid === String(serverPid)),
    postgres: used((_, name) => name === 'postgres'),
    redis: used((_, name) => name === 'redis-server'),
    loadGenerator: used((pid) => pid === String(process.pid)),
    machine: (after.machine - before.machine) / requests,
  };
}

async function load(server: { url: string; child: ChildProcess }, token: string | undefined, seconds: number): Promise<Figures> {
  const linux = process.platform === 'linux';
  const before = linux ? cpuSnapshot() : null;
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
          // A pool of subjects, as customers come back; dateOfBirth is not agreed: withheld on every request.
          body: transferBody(`bench-customer-${randomInt(100_000)}`, { dateOfBirth: '1970-01-01' }),
        }),
      },
    ],
  });
  const after = linux ? cpuSnapshot() : null;
  const requests = result['2xx'] + result.non2xx;
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    accepted: result['2xx'],
    errors: result.errors + result.non2xx,
    cpu: before && after && requests ? cpuPerRequest(before, after, server.child.pid!, requests) : null,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const environment = await benchEnvironment('intake');
  const { redisUrl, prefix, databaseUrl } = environment;
  const { token } = createApiKey(environment.keysFile, 'bench', 'provisioning');
  try {
    const bare = await startServer('bench/bare-endpoint.ts', { REDIS_URL: redisUrl, BENCH_PREFIX: prefix });
    const committed = await startServer('bench/committed-write-endpoint.ts', { REDIS_URL: redisUrl, BENCH_PREFIX: prefix, DATABASE_URL: databaseUrl });
    const gateway = await startServer('src/start.ts', { ...environment.gatewayEnv, SGW_ROLE: 'api' });
    console.log(`intake benchmark: ${connections} connections, ${rounds} rounds of ${durationSeconds} s, gateway on PostgreSQL`);
    // Long enough for V8 to optimise the hot paths and PostgreSQL to cache its plans: the first seconds run slower.
    await load(bare, undefined, 5);
    await load(committed, undefined, 5);
    const warmup = await load(gateway, token, 5);
    const endpoints = {
      bare: () => load(bare, undefined, durationSeconds),
      committed: () => load(committed, undefined, durationSeconds),
      gateway: () => load(gateway, token, durationSeconds),
    };
    type Round = Record<keyof typeof endpoints, Figures>;
    const measured: Round[] = [];
    for (let round = 0; round < rounds; round++) {
      // Reverse the order every other round, so that none always follows another's leftovers.
      const order = (['bare', 'committed', 'gateway'] as const).slice();
      if (round % 2) order.reverse();
      const figures: Partial<Round> = {};
      for (const name of order) figures[name] = await endpoints[name]();
      measured.push(figures as Round);
    }
    const line = (name: string, f: Figures) =>
      `  ${name.padEnd(8)} ${f.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${String(f.p50).padStart(3)} ms  p99 ${String(f.p99).padStart(3)} ms  errors ${f.errors}` +
      (f.cpu
        ? `  CPU µs/request: machine ${f.cpu.machine.toFixed(0)} = server ${f.cpu.server.toFixed(0)} + PostgreSQL ${f.cpu.postgres.toFixed(0)} + Redis ${f.cpu.redis.toFixed(0)} + load generator ${f.cpu.loadGenerator.toFixed(0)} + other`
        : '');
    const ofBare = (round: Round, endpoint: keyof Round) => round[endpoint].requestsPerSecond / round.bare.requestsPerSecond;
    const ofCommitted = (round: Round) => round.gateway.requestsPerSecond / round.committed.requestsPerSecond;
    const p99OfBare = (round: Round) => round.gateway.p99 / Math.max(round.bare.p99, 1);
    measured.forEach((round, index) => {
      console.log(
        `round ${index + 1}: gateway ${ofCommitted(round).toFixed(2)}x the committed-write reference (${ofBare(round, 'gateway').toFixed(2)}x bare), p99 ${p99OfBare(round).toFixed(2)}x bare; reference ${ofBare(round, 'committed').toFixed(2)}x bare`,
      );
      console.log(line('bare', round.bare));
      console.log(line('commit', round.committed));
      console.log(line('gateway', round.gateway));
    });
    // Every 202 must stand for a committed row: the benchmark counts them.
    const accepted = [warmup, ...measured.map((round) => round.gateway)].reduce((sum, run) => sum + run.accepted, 0);
    const check = new Client({ connectionString: databaseUrl });
    await check.connect();
    const [{ count }] = (await check.query('select count(*) as count from transfers')).rows;
    await check.end();
    console.log(`202 answers ${accepted}, transfer rows committed ${count}${Number(count) >= accepted ? '' : '  <-- MISSING ROWS'}`);
    const throughput = median(measured.map(ofCommitted));
    const tail = median(measured.map(p99OfBare));
    // On a saturated machine requests/s follow CPU per request: this is the figure to work on, and it is steadier than requests/s.
    if (measured.every((round) => round.gateway.cpu && round.committed.cpu && round.bare.cpu)) {
      const machine = (endpoint: keyof Round) => median(measured.map((round) => round[endpoint].cpu!.machine)).toFixed(0);
      console.log(`machine CPU per request (median): bare ${machine('bare')} µs, committed-write reference ${machine('committed')} µs, gateway ${machine('gateway')} µs`);
    }
    const ofBareMedian = (endpoint: keyof Round) => median(measured.map((round) => ofBare(round, endpoint))).toFixed(2);
    console.log(`beside the bare endpoint (median of ${rounds} rounds): gateway ${ofBareMedian('gateway')}x, committed-write reference ${ofBareMedian('committed')}x`);
    console.log(
      `intake (median of ${rounds} rounds): throughput ${throughput.toFixed(2)}x the committed-write reference (target >= 0.50), p99 ${tail.toFixed(2)}x the bare p99 (target <= 2.00): ${throughput >= 0.5 && tail <= 2 ? 'MET' : 'NOT MET'}`,
    );
  } finally {
    await environment.dispose();
  }
}

void main();
