import type winston from 'winston';
import type { DeliveryQueues } from '../src/queue/queues';
import type { Database } from '../src/store';
import { strandedTransfers, type StrandedTransfer } from '../src/transfers/transfer-store';

const pageSize = 500;

/**
 * Finds transfers that wait for delivery but have no job, and queues them again: Redis failed after their
 * commit, or lost its data. Every waiting transfer is checked, page by page, each supplier's on its own;
 * a transfer of a supplier this process does not serve is left to a process that does.
 */
export class StrandedSweep {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly db: Database,
    private readonly queues: DeliveryQueues,
    private readonly log: winston.Logger,
    /** Transfers untouched for this long are checked; the sweep runs twice as often. */
    private readonly afterMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), this.afterMs / 2);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One sweep; answers how many transfers were queued again. */
  async run(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let requeued = 0;
    try {
      let after: StrandedTransfer | undefined;
      for (;;) {
        const page = await strandedTransfers(this.db, this.afterMs, after, pageSize);
        for (const supplier of new Set(page.map((transfer) => transfer.supplier))) {
          requeued += await this.requeue(supplier, page.filter((transfer) => transfer.supplier === supplier));
        }
        if (page.length < pageSize) break;
        after = page.at(-1);
      }
    } catch (error) {
      this.log.warn('the stranded-transfer sweep stopped early; it runs again shortly', { error });
    } finally {
      this.running = false;
    }
    if (requeued) this.log.info('stranded transfers queued again', { count: requeued });
    return requeued;
  }

  private async requeue(supplier: string, transfers: StrandedTransfer[]): Promise<number> {
    if (!this.queues.serves(supplier)) return 0;
    try {
      const missing = await this.queues.withoutJob(supplier, transfers.map((transfer) => transfer.id));
      await this.queues.enqueue(missing.map((id) => ({ id, supplier })));
      return missing.length;
    } catch (error) {
      this.log.warn('could not queue stranded transfers again', { supplier, error });
      return 0;
    }
  }
}
