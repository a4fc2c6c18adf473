import { Worker, type Job } from 'bullmq';
import type IORedis from 'ioredis';
import type winston from 'winston';
import type { Agreement } from '../src/agreements/agreements';
import type { SupplierConfig } from '../src/config/suppliers';
import type { Connector, DeliveryContext } from '../src/connector-kit';
import { unseal } from '../src/crypto/sealing';
import { connectorLogger } from '../src/log/logger';
import { deliveryQueueName, workerConnection, type DeliveryJob, type DeliveryQueues } from '../src/queue/queues';
import type { ShareEvent } from '../src/shares/events';
import { appendShares } from '../src/shares/share-log';
import { DatabaseUnavailableError, type Database } from '../src/store';
import type { SubjectKeys } from '../src/subjects/subject-keys';
import { findTransfer, markDelivered, markDelivering, markError, recordDeliveryState, strandedTransfers, type TransferRecord } from '../src/transfers/transfer-store';
import { decideFailure } from './delivery-outcome';

export interface DeliveryWorkerDependencies {
  db: Database;
  redisUrl: string;
  queuePrefix: string;
  suppliers: SupplierConfig[];
  connectors: Map<string, Connector>;
  agreements: Map<string, Agreement>;
  subjectKeys: SubjectKeys;
  queues: DeliveryQueues;
  log: winston.Logger;
}

type ShareContext = Extract<ShareEvent, { event: 'delivery.attempted' }>;

/**
 * BullMQ checks the queue's rate limit — including the pause a 429 sets through `worker.rateLimit` — only
 * in workers that have a `limiter`. Without one, another worker process, or another slot of this one,
 * takes the job straight back and ignores Retry-After. Suppliers without an agreed rate get a limiter
 * whose count is never reached, so only those pauses apply.
 */
const onlyManualRateLimits = { max: Number.MAX_SAFE_INTEGER, duration: 1000 };

/** How long deliveries pause while our database is unreachable before trying again. */
const databaseRetryMs = 2000;

/** How long a transfer may wait as queued before its job is added again (the add is a no-op if the job exists). */
const strandedAfterSeconds = 30;

/**
 * job {transferId} → load and unseal → shares log `delivery.attempted` → connector.deliver →
 * `delivery.succeeded` / `delivery.failed`. An earlier attempt means the outcome may be unknown, so the
 * connector is asked first whether it landed: neither a crash nor a lost response registers twice.
 */
export class DeliveryWorkers {
  private readonly workers: Worker<DeliveryJob>[] = [];
  private readonly connections: IORedis[] = [];
  private readonly running = new Set<AbortController>();
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly deps: DeliveryWorkerDependencies) {}

  start(): void {
    for (const supplier of this.deps.suppliers) {
      // BullMQ leaves a connection it was given open on close; this class owns and closes it.
      const connection = workerConnection(this.deps.redisUrl);
      this.connections.push(connection);
      const worker: Worker<DeliveryJob> = new Worker<DeliveryJob>(deliveryQueueName(supplier.id), (job) => this.process(worker, job), {
        connection,
        prefix: this.deps.queuePrefix,
        concurrency: supplier.queue.concurrency,
        limiter: supplier.queue.rateLimit ? { max: supplier.queue.rateLimit.max, duration: supplier.queue.rateLimit.durationMs } : onlyManualRateLimits,
      });
      worker.on('failed', (job, error) => void this.onJobFailed(job, error));
      worker.on('error', (error) => this.deps.log.error('worker error', { supplier: supplier.id, error: error.message }));
      this.workers.push(worker);
    }
    this.sweeper = setInterval(() => void this.requeueStranded(), strandedAfterSeconds * 1000);
  }

  /** Stops taking jobs and lets the running ones finish; after `graceMs` they are aborted and BullMQ hands them out again. */
  async close(graceMs = 10_000): Promise<void> {
    clearInterval(this.sweeper);
    const abort = setTimeout(() => this.running.forEach((controller) => controller.abort()), graceMs);
    await Promise.all(this.workers.map((worker) => worker.close()));
    clearTimeout(abort);
    for (const connection of this.connections) connection.disconnect();
  }

  /**
   * One try of a job. Without our own database nothing may be sent (the log entry comes first) and no
   * outcome can be recorded, so the queue pauses and the try does not count against the job's attempts:
   * an outage longer than the backoff must not end transfers failed at BullMQ while their rows still wait.
   */
  async process(worker: Worker<DeliveryJob>, job: Job<DeliveryJob>): Promise<void> {
    try {
      await this.attempt(worker, job);
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      this.deps.log.warn('database unavailable: deliveries pause', { transferId: job.data.transferId, retryInMs: databaseRetryMs });
      await worker.rateLimit(databaseRetryMs);
      throw Worker.RateLimitError();
    }
  }

  private async attempt(worker: Worker<DeliveryJob>, job: Job<DeliveryJob>): Promise<void> {
    const { db } = this.deps;
    const transfer = await findTransfer(db, job.data.transferId);
    if (!transfer || transfer.status === 'delivered' || transfer.status === 'cancelled') return;
    const connector = this.deps.connectors.get(transfer.supplier);
    const agreement = this.deps.agreements.get(transfer.supplier);
    if (!connector || !agreement) throw new Error(`no connector or agreement for supplier ${transfer.supplier}`);
    const payload = await this.unsealPayload(transfer);
    if (payload === null) {
      await markError(db, transfer.id, 'cancelled', 'subject_erased', 'The subject was erased before delivery; nothing was sent.');
      return;
    }
    const controller = new AbortController();
    this.running.add(controller);
    const ctx: DeliveryContext = {
      signal: controller.signal,
      transferId: transfer.id,
      log: connectorLogger(this.deps.log, { transferId: transfer.id, supplier: transfer.supplier }),
      state: transfer.deliveryState,
      recordState: (state) => recordDeliveryState(db, transfer.id, state),
    };
    let startedAttempt: number | null = null;
    try {
      if (transfer.attempts > 0) {
        const landed = await connector.lookup(transfer.operation, payload, ctx);
        if (landed) {
          await this.recordSuccess(transfer, agreement, transfer.attempts, { supplierReference: landed.supplierReference, sentDigest: null, keyFingerprint: null, confirmedBy: 'lookup' });
          return;
        }
      }
      const attempt = await db.transaction(async (tx) => {
        const number = await markDelivering(tx, transfer.id);
        await appendShares(tx, [{ ...shareContext(transfer, agreement, number), event: 'delivery.attempted' }]);
        return number;
      });
      startedAttempt = attempt;
      const result = await connector.deliver(transfer.operation, payload, ctx);
      await this.recordSuccess(transfer, agreement, attempt, {
        supplierReference: result.supplierReference,
        sentDigest: result.sentDigest,
        keyFingerprint: result.encryption?.keyFingerprint ?? null,
        confirmedBy: 'delivery',
      });
    } catch (error) {
      const decision = decideFailure(error, job);
      ctx.log.warn('delivery attempt failed', { code: decision.code, retryable: decision.retryable, attempt: startedAttempt });
      await db.transaction(async (tx) => {
        await markError(tx, transfer.id, decision.status, decision.code, decision.detail);
        // Only an attempt that was logged as started gets an outcome; a failed lookup sent nothing.
        if (startedAttempt !== null) {
          const failed: ShareEvent = { ...shareContext(transfer, agreement, startedAttempt), event: 'delivery.failed', errorCode: decision.code, retryable: decision.retryable, outcomeUnknown: decision.outcomeUnknown };
          await appendShares(tx, [failed]);
        }
      });
      if (decision.rateLimitMs !== undefined) await worker.rateLimit(decision.rateLimitMs);
      throw decision.signal;
    } finally {
      this.running.delete(controller);
    }
  }

  private async recordSuccess(
    transfer: TransferRecord,
    agreement: Agreement,
    attempt: number,
    outcome: { supplierReference: string; sentDigest: string | null; keyFingerprint: string | null; confirmedBy: 'delivery' | 'lookup' },
  ): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      await markDelivered(tx, transfer.id, outcome.supplierReference);
      await appendShares(tx, [{ ...shareContext(transfer, agreement, attempt), event: 'delivery.succeeded', ...outcome }]);
    });
  }

  /** Null when the subject's key was destroyed by an erasure. */
  private async unsealPayload(transfer: TransferRecord): Promise<unknown | null> {
    const dataKey = await this.deps.subjectKeys.dataKey(this.deps.db, transfer.subjectKeyId);
    if (!dataKey || !transfer.sealedPayload) return null;
    return JSON.parse(unseal(dataKey, transfer.sealedPayload, transfer.id).toString('utf8'));
  }

  /** A job that stalled too often ends failed while its transfer still says delivering: its outcome is unknown. */
  private async onJobFailed(job: Job<DeliveryJob> | undefined, error: Error): Promise<void> {
    if (!job || !/stalled/i.test(error.message)) return;
    await this.deps.db
      .query(`update transfers set status = 'unknown', last_error_code = 'stalled', last_error_detail = $2, updated_at = now() where id = $1 and status = 'delivering'`, [
        job.data.transferId,
        'The worker stopped mid-delivery too often; retry to look the transfer up at the supplier.',
      ])
      .catch((failure: Error) => this.deps.log.error('could not mark stalled transfer', { transferId: job.data.transferId, error: failure.message }));
  }

  private async requeueStranded(): Promise<void> {
    try {
      const stranded = await strandedTransfers(this.deps.db, strandedAfterSeconds);
      if (stranded.length) await this.deps.queues.enqueue(stranded);
    } catch (error) {
      this.deps.log.warn('could not requeue stranded transfers', { error: (error as Error).message });
    }
  }
}

function shareContext(transfer: TransferRecord, agreement: Agreement, attempt: number): Omit<ShareContext, 'event'> {
  return {
    transferId: transfer.id,
    supplier: transfer.supplier,
    recipient: agreement.legalName,
    operation: transfer.operation,
    purpose: transfer.purpose,
    basis: { type: transfer.basisType, reference: transfer.basisReference },
    subject: transfer.subjectHash,
    agreementReference: transfer.agreementReference,
    schemaId: transfer.schemaId,
    fieldsShared: transfer.fieldsShared,
    fieldsWithheld: transfer.fieldsWithheld,
    categories: transfer.categories,
    attempt,
  };
}
