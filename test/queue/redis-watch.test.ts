import { Worker } from 'bullmq';
import { workerConnection } from '../../src/queue/queues';
import { isRedisConnectionError } from '../../src/queue/redis-watch';
import { ownRedis } from '../support/own-redis';
import { waitFor } from '../support/services';

test("a delivery worker's errors while Redis is down are all connection errors, which watchRedis reports once", async () => {
  const redis = await ownRedis();
  await redis.start();
  const connection = workerConnection(redis.url);
  const errors: Error[] = [];
  const worker = new Worker('{deliveries.watch}', async () => undefined, { connection, prefix: 'sgwwatch' });
  worker.on('error', (error) => errors.push(error));
  try {
    await worker.waitUntilReady();
    await redis.stop();
    await waitFor(async () => errors.length >= 3, 'the worker to report the outage');
    await redis.start();
    // BullMQ's close waits for a connection that is still reconnecting.
    await waitFor(async () => connection.status === 'ready', 'the worker to reconnect');
    expect(errors.filter((error) => !isRedisConnectionError(error)).map((error) => `${error.name} ${(error as { code?: string }).code} ${error.message}`)).toEqual([]);
  } finally {
    await worker.close();
    connection.disconnect();
    await redis.stop();
  }
});

test('other errors are not connection errors', () => {
  expect(isRedisConnectionError(new Error('ERR unknown command'))).toBe(false);
  expect(isRedisConnectionError(Object.assign(new Error('write failed'), { code: '23505' }))).toBe(false);
});
