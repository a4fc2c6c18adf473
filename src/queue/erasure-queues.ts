import { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import type { QueuePolicy } from '../config/suppliers';
import { jobOptions } from './queues';

/** Job data is the erasure's id and nothing else; the supplier is the queue. */
export interface ErasureJob {
  erasureId: string;
}

/** Each supplier's erasure requests wait in a queue of their own, beside its deliveries and with the same hash tag scheme. */
export const erasureQueueName = (supplier: string) => `{erasures.${supplier}}`;

/** The queues that ask suppliers to erase a subject's data: one job per erasure and supplier, retried as deliveries are. */
export class ErasureQueues {
  private readonly queues = new Map<string, Queue<ErasureJob>>();

  constructor(
    private readonly connection: IORedis,
    private readonly prefix: string,
    private readonly policies: Map<string, QueuePolicy>,
  ) {}

  queue(supplier: string): Queue<ErasureJob> {
    let queue = this.queues.get(supplier);
    if (!queue) {
      queue = new Queue<ErasureJob>(erasureQueueName(supplier), { connection: this.connection, prefix: this.prefix });
      // The connection's own state is watched and reported elsewhere; an 'error' nobody listens to would end the process.
      queue.on('error', () => undefined);
      this.queues.set(supplier, queue);
    }
    return queue;
  }

  /** One job per supplier; the erasure id is the job id, so adding it again (the sweep) is harmless. */
  async enqueue(erasureId: string, suppliers: string[]): Promise<void> {
    await Promise.all(
      suppliers
        .filter((supplier) => this.policies.has(supplier))
        .map((supplier) => this.queue(supplier).add('erase', { erasureId }, { ...jobOptions(this.policies.get(supplier)!), jobId: erasureId })),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
