import { Queue, type JobsOptions, type Worker } from 'bullmq';
import IORedis from 'ioredis';
import type { QueuePolicy } from '../config/suppliers';
import { workerBackoffType } from './backoff';
import { readBreakerStates, type BreakerState } from './breaker-state';

/** Job data is the transfer id and nothing else: Redis never holds personal data. */
export interface DeliveryJob {
  transferId: string;
}

/** The hash tag keeps each queue's keys in one Redis Cluster slot while queues spread over slots. */
export const deliveryQueueName = (supplier: string) => `{deliveries.${supplier}}`;

export function jobOptions(policy: QueuePolicy): JobsOptions {
  return {
    attempts: policy.attempts,
    backoff: { type: workerBackoffType },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}

/**
 * A producer connection fails fast when Redis is down (no offline queue), so intake answers 503 at once;
 * and when Redis stops answering without closing the connection (a network partition), a command gives
 * up after a second instead of holding the request until the network heals.
 */
export function producerConnection(redisUrl: string): IORedis {
  return new IORedis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 1000, lazyConnect: false });
}

/** Workers block on Redis, so their connection must retry forever (BullMQ requires maxRetriesPerRequest: null). */
export function workerConnection(redisUrl: string): IORedis {
  return new IORedis(redisUrl, { maxRetriesPerRequest: null });
}

/** Resolves once the connection is ready, or after `timeoutMs` (a gateway starts with Redis down and reports not ready). */
export function connected(redis: IORedis, timeoutMs = 2000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    }
    redis.once('ready', done);
  });
}

/**
 * Closes BullMQ workers, then their connections. A worker still connecting gets up to `settleMs` to finish, so
 * that one closed right after the start closes cleanly (BullMQ would otherwise report its unfinished start, after
 * the close, as an error no one listens to); one whose Redis stays away is then closed at once, as it could
 * never finish closing.
 */
export async function closeWorkers(workers: Worker[], connections: IORedis[], settleMs = 1000): Promise<void> {
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, settleMs);
          void worker
            .waitUntilReady()
            .catch(() => undefined)
            .finally(() => {
              clearTimeout(timer);
              resolve();
            });
        }),
    ),
  );
  await Promise.all(workers.map((worker, index) => worker.close(connections[index].status !== 'ready')));
  for (const connection of connections) connection.disconnect();
}

export class DeliveryQueues {
  private readonly queues = new Map<string, Queue<DeliveryJob>>();

  constructor(
    private readonly connection: IORedis,
    private readonly prefix: string,
    private readonly policies: Map<string, QueuePolicy>,
  ) {}

  queue(supplier: string): Queue<DeliveryJob> {
    let queue = this.queues.get(supplier);
    if (!queue) {
      queue = new Queue<DeliveryJob>(deliveryQueueName(supplier), { connection: this.connection, prefix: this.prefix });
      // The connection's own state is watched and reported elsewhere; an 'error' nobody listens to would end the process.
      queue.on('error', () => undefined);
      this.queues.set(supplier, queue);
    }
    return queue;
  }

  /** Whether this process has a delivery policy, so a queue, for the supplier. */
  serves(supplier: string): boolean {
    return this.policies.has(supplier);
  }

  /** Those of `transferIds` whose job is not in the supplier's queue (in any state). */
  async withoutJob(supplier: string, transferIds: string[]): Promise<string[]> {
    const queue = this.queue(supplier);
    const found = await this.connection.pipeline(transferIds.map((id) => ['exists', queue.toKey(id)])).exec();
    return transferIds.filter((_, index) => found?.[index]?.[1] === 0);
  }

  /**
   * Removes the transfers' jobs, in whatever state but active: a job a worker holds stays, and the worker
   * finds its transfer's new status. A Redis that fails here fails the caller, so that its change rolls back.
   */
  async removeJobs(supplier: string, transferIds: string[]): Promise<void> {
    const queue = this.queue(supplier);
    await Promise.all(transferIds.map((id) => queue.remove(id)));
  }

  /** Pauses the supplier's queue for every worker process: jobs wait, and intake goes on adding them. */
  async pause(supplier: string): Promise<void> {
    await this.queue(supplier).pause();
  }

  async resume(supplier: string): Promise<void> {
    await this.queue(supplier).resume();
  }

  async state(supplier: string): Promise<{ paused: boolean; counts: { waiting: number; active: number; delayed: number; failed: number } }> {
    const queue = this.queue(supplier);
    const [paused, counts] = await Promise.all([queue.isPaused(), queue.getJobCounts('waiting', 'paused', 'active', 'delayed', 'failed')]);
    // Older BullMQ versions keep a paused queue's waiting jobs in a list of their own.
    return { paused, counts: { waiting: counts.waiting + counts.paused, active: counts.active, delayed: counts.delayed, failed: counts.failed } };
  }

  /** Each supplier's circuit breaker, as the worker processes publish it. */
  breakerStates(suppliers: string[]): Promise<Map<string, BreakerState>> {
    return readBreakerStates(this.connection, this.prefix, suppliers);
  }

  /** Adds one job per transfer; the transfer id is the job id, so adding twice is harmless. */
  async enqueue(transfers: { id: string; supplier: string }[]): Promise<void> {
    const suppliers = new Set(transfers.map((transfer) => transfer.supplier));
    await Promise.all(
      [...suppliers].map((supplier) => {
        const opts = jobOptions(this.policies.get(supplier)!);
        const jobs = transfers
          .filter((transfer) => transfer.supplier === supplier)
          .map(({ id }) => ({ name: 'deliver', data: { transferId: id }, opts: { ...opts, jobId: id } }));
        return this.queue(supplier).addBulk(jobs);
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
