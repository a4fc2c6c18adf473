import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { createApiKey } from '../src/api/api-keys';
import { byName, byPid, withCpu } from './cpu';
import { type BenchGateway, call, drainThroughGateway, median, until } from './gateway-drain';
import { benchEnvironment, firstLine, startProcess, startServer } from './processes';
import { transferBody } from './transfer-body';

/**
 * `npm run bench`, delivery rows. Drain: `BENCH_DRAIN_TRANSFERS` (5,000) transfers are queued while the supplier
 * is paused, then it is resumed, and the deliveries per second until the queue is empty (worker, connector,
 * shares log, PostgreSQL) are set against a bare BullMQ worker making the same HTTP calls to the same sandbox
 * (bench/bare-worker.ts), with the same concurrency, in the same run; rounds alternate which goes first.
 * Bulk retry: 10,000 failed transfers retried by one `POST /v1/transfers/retry`, timed.
 */
const transfers = Number(process.env.BENCH_DRAIN_TRANSFERS ?? 5000);
const rounds = Number(process.env.BENCH_DRAIN_ROUNDS ?? 2);
const concurrency = Number(process.env.BENCH_DRAIN_CONCURRENCY ?? 8);
const bulkRetryTransfers = 10_000;


async function main(): Promise<void> {
  const environment = await benchEnvironment('drain');
  const { dataDir, prefix, redisUrl } = environment;
  const db = new Client({ connectionString: environment.databaseUrl });
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  const bareQueueName = 'bare-drain';
  const bareQueue = new Queue(bareQueueName, { connection: redis, prefix });
  try {
    const sandboxProcess = startProcess('bench/sandbox-server.ts', {}, 'pipe');
    /** The drain's deliveries per second, with the CPU per delivery of the worker process, the sandbox, PostgreSQL and Redis. */
    const measure = async (workerPid: number | undefined, drain: () => Promise<number>) => {
      const parts = { 'worker process': byPid(workerPid), sandbox: byPid(sandboxProcess.pid), PostgreSQL: byName('postgres'), Redis: byName('redis-server') };
      const { result: rate, cpu } = await withCpu(drain, transfers, parts);
      return { rate, cpu };
    };
    const { id, connector, config: sandbox } = JSON.parse(await firstLine(sandboxProcess)) as { id: string; connector: string; config: { baseUrl: string; username: string; password: string } };
    const suppliersFile = path.join(dataDir, 'suppliers.json');
    writeFileSync(suppliersFile, JSON.stringify({ suppliers: { [id]: { connector, config: sandbox, queue: { concurrency } } } }));
    const provisioning = createApiKey(environment.keysFile, 'bench-provisioning', 'provisioning').token;
    const ops = createApiKey(environment.keysFile, 'bench-ops', 'ops').token;
    const gateway = await startServer('src/start.ts', { ...environment.gatewayEnv, SGW_SUPPLIERS_FILE: suppliersFile });
    const bareWorker = startProcess('bench/bare-worker.ts', {
      SANDBOX_URL: sandbox.baseUrl,
      SANDBOX_USERNAME: sandbox.username,
      SANDBOX_PASSWORD: sandbox.password,
      REDIS_URL: redisUrl,
      BENCH_PREFIX: prefix,
      BENCH_QUEUE: bareQueueName,
      CONCURRENCY: String(concurrency),
    });
    await db.connect();
    const bench: BenchGateway = { url: gateway.url, db, provisioning, ops };
    const gatewayDrain = () => drainThroughGateway(bench, id, transfers, () => transferBody(`drain-customer-${randomUUID()}`));

    const bareDrain = async () => {
      await bareQueue.pause();
      await bareQueue.addBulk(Array.from({ length: transfers }, (_, index) => ({ name: 'deliver', data: { index }, opts: { removeOnComplete: true } })));
      const started = performance.now();
      await bareQueue.resume();
      await until(async () => {
        const counts = await bareQueue.getJobCounts('waiting', 'paused', 'active', 'delayed', 'failed');
        if (counts.failed) throw new Error(`the bare worker failed ${counts.failed} jobs`);
        return counts.waiting + counts.paused + counts.active + counts.delayed === 0;
      }, 'the bare worker to drain its queue');
      return transfers / ((performance.now() - started) / 1000);
    };

    console.log(`delivery benchmark: ${transfers} transfers queued while paused, then drained; concurrency ${concurrency}; ${rounds} rounds; gateway on PostgreSQL`);
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const measureGateway = () => measure(gateway.child.pid, gatewayDrain);
      const measureBare = () => measure(bareWorker.pid, bareDrain);
      // Alternate which goes first, so that neither always meets the other's leftovers (vacuum, GC).
      const [ofGateway, ofBare] = round % 2 ? (await Promise.all([measureBare().then(async (bare) => [await measureGateway(), bare] as const)]))[0] : [await measureGateway(), await measureBare()];
      ratios.push(ofGateway.rate / ofBare.rate);
      console.log(`round ${round + 1}: gateway ${ofGateway.rate.toFixed(0)} deliveries/s, bare worker ${ofBare.rate.toFixed(0)} deliveries/s: ${(ofGateway.rate / ofBare.rate).toFixed(2)}x`);
      console.log(`  gateway ${ofGateway.cpu}`);
      console.log(`  bare    ${ofBare.cpu}`);
    }
    const ratio = median(ratios);
    console.log(`drain (median of ${rounds} rounds): ${ratio.toFixed(2)}x the bare worker (target >= 0.70): ${ratio >= 0.7 ? 'MET' : 'NOT MET'}`);

    // Bulk retry: rows copied from a delivered transfer, marked failed as an outage would leave them, the supplier paused.
    await call(bench, 'POST', `/v1/suppliers/${id}/pause`, ops);
    await db.query(
      `insert into transfers (id, api_key_id, idempotency_key, request_hash, supplier, operation, schema_id, agreement_reference, subject_hash, purpose,
         basis_type, basis_reference, fields_shared, fields_withheld, categories, wrapped_key, sealed_payload, status, attempts, last_error_code, last_error_detail, last_error_at)
       select gen_random_uuid(), api_key_id, 'bulk-' || n, request_hash, supplier, operation, schema_id, agreement_reference, subject_hash, purpose,
         basis_type, basis_reference, fields_shared, fields_withheld, categories, wrapped_key, sealed_payload, 'failed', 8, 'supplier.unavailable.http_503', 'bench', now()
       from (select * from transfers limit 1) one, generate_series(1, $1) n`,
      [bulkRetryTransfers],
    );
    const started = performance.now();
    const answer = await call(bench, 'POST', '/v1/transfers/retry', ops, JSON.stringify({ filter: { errorCode: 'supplier.unavailable' } }));
    const seconds = (performance.now() - started) / 1000;
    console.log(`bulk retry: ${answer.retried} of ${answer.matched} failed transfers put back on the queue in ${seconds.toFixed(2)} s`);
  } finally {
    await bareQueue.close();
    redis.disconnect();
    await db.end().catch(() => undefined);
    await environment.dispose();
  }
}

void main();
