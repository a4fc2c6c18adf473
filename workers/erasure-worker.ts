import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type IORedis from 'ioredis';
import type winston from 'winston';
import type { SupplierConfig } from '../src/config/suppliers';
import { ConnectorError, SupplierRateLimitedError, type Connector } from '../src/connector-kit';
import { connectorLogger } from '../src/log/logger';
import type { GatewayMetrics } from '../src/metrics';
import { backoffDelayMs } from '../src/queue/backoff';
import { erasureQueueName, type ErasureJob, type ErasureQueues } from '../src/queue/erasure-queues';
import { closeWorkers, workerConnection } from '../src/queue/queues';
import { isRedisConnectionError } from '../src/queue/redis-watch';
import type { Database } from '../src/store';
import {
  deliveriesUnderway,
  markAsked,
  noteWaiting,
  recipientToAsk,
  recordOutcome,
  recordsToErase,
  summarise,
  waitingRecipients,
  type ErasureRecipient,
  type RecipientOutcome,
} from '../src/subjects/erasure-recipients';
import { classOf } from './delivery-outcome';

export interface ErasureWorkerDependencies {
  db: Database;
  redisUrl: string;
  queuePrefix: string;
  suppliers: SupplierConfig[];
  connectors: Map<string, Connector>;
  erasureQueues: ErasureQueues;
  metrics: GatewayMetrics;
  log: winston.Logger;
  /** How soon a lost job is taken up again. */
  recoveryMs: number;
}

/** How long a supplier's erasure waits, each time, for a delivery of the subject that was under way when the erasure began. */
const deliveryWaitMs = 2000;
/** Asking a supplier again is harmless (what is gone is not_found): a job that took its worker down is simply asked again. */
const maxStalledCount = 10;
const eraseTimeoutMs = 60_000;

/**
 * job {erasureId} on `{erasures.<supplier>}` → wait for the subject's deliveries under way → shares log
 * `erasure.supplier_asked` → connector.erase → the recipient's status and `erasure.supplier_answered`. Failures
 * are retried with the supplier's backoff; a permanent one, or the last, makes the recipient `failed` with its
 * code. State lives in PostgreSQL, jobs in Redis: either survives the worker.
 */
export class ErasureWorkers {
  private readonly workers: Worker<ErasureJob>[] = [];
  private readonly connections: IORedis[] = [];
  private sweep?: NodeJS.Timeout;

  constructor(private readonly deps: ErasureWorkerDependencies) {}

  start(): void {
    for (const supplier of this.deps.suppliers) {
      const connection = workerConnection(this.deps.redisUrl);
      this.connections.push(connection);
      const worker = new Worker<ErasureJob>(erasureQueueName(supplier.id), (job, token) => this.process(supplier.id, job, token), {
        connection,
        prefix: this.deps.queuePrefix,
        concurrency: supplier.queue.concurrency,
        lockDuration: this.deps.recoveryMs,
        stalledInterval: this.deps.recoveryMs,
        maxStalledCount,
        settings: { backoffStrategy: (attemptsMade, _type, error) => (error instanceof SupplierRateLimitedError ? error.retryAfterMs : backoffDelayMs(supplier.queue.backoff, attemptsMade)) },
      });
      worker.on('error', (error) => {
        if (!isRedisConnectionError(error)) this.deps.log.error('erasure worker error', { supplier: supplier.id, error });
      });
      this.workers.push(worker);
    }
    this.sweep = setInterval(() => void this.queueLostJobs(), this.deps.recoveryMs / 2);
    this.sweep.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    await closeWorkers(this.workers, this.connections);
  }

  private async process(supplier: string, job: Job<ErasureJob>, token?: string): Promise<void> {
    const { db, log, metrics } = this.deps;
    const recipient = await recipientToAsk(db, job.data.erasureId, supplier);
    if (!recipient) return;
    if ((await deliveriesUnderway(db, recipient)) > 0) {
      await noteWaiting(db, recipient, 'Waiting for a delivery that was under way when the erasure began to end, so that what it sends is erased too.');
      await job.moveToDelayed(Date.now() + deliveryWaitMs, token);
      throw new DelayedError();
    }
    const records = await recordsToErase(db, recipient);
    const asked = await markAsked(db, recipient, records);
    metrics.shareLogged(asked.event);
    let outcome: RecipientOutcome;
    try {
      outcome = summarise(records.length ? await this.connectorOf(supplier).erase(records, this.contextFor(recipient)) : []);
    } catch (error) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const code = error instanceof ConnectorError ? classOf(error) : 'gateway.internal_error';
      log.warn('supplier erasure attempt failed', { erasureId: recipient.erasureId, supplier, code, lastAttempt, error: error instanceof ConnectorError ? undefined : error });
      if (error instanceof ConnectorError && error.retryable && !lastAttempt) throw error;
      outcome = { status: 'failed', reason: failureReason(code, error), records: [] };
      await this.settle(recipient, outcome);
      throw new UnrecoverableError(code);
    }
    await this.settle(recipient, outcome);
  }

  private async settle(recipient: ErasureRecipient, outcome: RecipientOutcome): Promise<void> {
    const events = await recordOutcome(this.deps.db, recipient, outcome);
    for (const { event } of events) this.deps.metrics.shareLogged(event);
    this.deps.log.info('supplier erasure settled', { erasureId: recipient.erasureId, supplier: recipient.supplier, status: outcome.status });
  }

  /** Re-adds the jobs of recipients that waited long: adding one that exists changes nothing (the job id is the erasure's). */
  private async queueLostJobs(): Promise<void> {
    try {
      for (const { erasureId, supplier } of await waitingRecipients(this.deps.db, this.deps.recoveryMs)) {
        if (this.deps.connectors.has(supplier)) await this.deps.erasureQueues.enqueue(erasureId, [supplier]);
      }
    } catch (error) {
      this.deps.log.warn('the erasure sweep stopped early; it runs again shortly', { error });
    }
  }

  private connectorOf(supplier: string): Connector {
    const connector = this.deps.connectors.get(supplier);
    if (!connector) throw new Error(`no connector for ${supplier}`);
    return connector;
  }

  private contextFor(recipient: ErasureRecipient) {
    return {
      signal: AbortSignal.timeout(eraseTimeoutMs),
      erasureId: recipient.erasureId,
      log: connectorLogger(this.deps.log, { erasureId: recipient.erasureId, supplier: recipient.supplier }),
    };
  }
}

/** The statement's reason for a supplier that could not be asked: the code and the connector's PII-free message, or our own. */
function failureReason(code: string, error: unknown): string {
  return error instanceof ConnectorError
    ? `The supplier could not be asked to erase (${code}): ${error.message}. Ask it directly, naming this erasure.`
    : `The gateway failed while asking the supplier (${code}); its log names this erasure.`;
}
