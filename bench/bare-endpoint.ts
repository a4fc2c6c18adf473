import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import express from 'express';
import IORedis from 'ioredis';

/**
 * The baseline the intake is measured against: a bare Express endpoint that parses JSON and adds one
 * BullMQ job, with no auth, validation, database or sealing.
 */
const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const queue = new Queue('{bench.bare}', { connection: redis, prefix: process.env.BENCH_PREFIX ?? 'bench' });
const app = express();
app.use(express.json({ limit: '256kb' }));
app.post('/v1/transfers', async (_req, res) => {
  const id = randomUUID();
  await queue.add('deliver', { transferId: id }, { jobId: id, removeOnComplete: true });
  res.status(202).json({ id, status: 'queued' });
});
app.get('/readyz', (_req, res) => {
  res.json({ ready: true });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  void queue.close().then(() => redis.disconnect());
});
