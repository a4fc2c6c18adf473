import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import express from 'express';
import IORedis from 'ioredis';
import { Pool } from 'pg';
import { Batcher } from '../src/transfers/batcher';

/**
 * A reference between the bare endpoint and the gateway: the bare endpoint plus the one thing no gateway
 * can skip, a committed row per request before the 202, written in batches by the same group commit as the
 * intake. What it costs against the bare endpoint is what a commit costs on this machine; what the gateway
 * costs beyond it is its own work (auth, validation, minimisation, sealing, idempotency).
 */
const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const queue = new Queue('{bench.committed}', { connection: redis, prefix: process.env.BENCH_PREFIX ?? 'bench' });
const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const writing = new Batcher<{ id: string; idempotencyKey: string; body: unknown }, void>(
  async (requests) => {
    await pool.query('insert into committed_writes (id, idempotency_key, body) select * from unnest($1::uuid[], $2::text[], $3::jsonb[])', [
      requests.map((request) => request.id),
      requests.map((request) => request.idempotencyKey),
      requests.map((request) => JSON.stringify(request.body)),
    ]);
    await queue.addBulk(requests.map(({ id }) => ({ name: 'deliver', data: { transferId: id }, opts: { jobId: id, removeOnComplete: true } })));
    return requests.map(() => undefined);
  },
  { minFill: 16 },
);
const app = express();
app.use(express.json({ limit: '256kb' }));
app.post('/v1/transfers', async (req, res) => {
  const id = randomUUID();
  await writing.submit({ id, idempotencyKey: req.get('idempotency-key') ?? id, body: req.body });
  res.status(202).json({ id, status: 'queued' });
});
app.get('/readyz', (_req, res) => {
  res.json({ ready: true });
});
void pool
  .query('create table if not exists committed_writes (id uuid primary key, idempotency_key text not null unique, body jsonb not null)')
  .then(() => {
    const server = app.listen(Number(process.env.PORT), '127.0.0.1');
    process.on('SIGTERM', () => {
      server.close();
      void Promise.all([queue.close(), pool.end()]).then(() => redis.disconnect());
    });
  });
