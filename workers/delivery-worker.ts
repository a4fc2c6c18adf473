import { Worker, type Job } from 'bullmq';
import type IORedis from 'ioredis';
import type winston from 'winston';
import type { Agreement } from '../src/agreements/agreements';
import type { QueuePolicy, SupplierConfig } from '../src/config/suppliers';
import type { Connector, DeliveryContext, DeliveryEncryption } from '../src/connector-kit';
import { unsealPayload } from '../src/crypto/sealing';
import { connectorLogger } from '../src/log/logger';
import type { GatewayMetrics } from '../src/metrics';
import { backoffDelayMs } from '../src/queue/backoff';
import { publishBreakerState, type BreakerState } from '../src/queue/breaker-state';
import { closeWorkers, deliveryQueueName, workerConnection, type DeliveryJob, type DeliveryQueues } from '../src/queue/queues';
import { isRedisConnectionError } from '../src/queue/redis-watch';
import { appendShares } from '../src/shares/share-log';
import { DatabaseUnavailableError, type Database } from '../src/store';
import { deliveredChange, findTransfer, markDelivering, markError, recordDeliveryState, type TransferRecord } from '../src/transfers/transfer-store';
import { decideFailure, GatewayFailure, RetryScheduled, type FailureDecision } from './delivery-outcome';
import { shareContext } from './share-context';
import { StrandedSweep } from './stranded-sweep';
import { SupplierBreaker, SupplierBreakerOpen } from './supplier-breaker';

export interface DeliveryWorkerDependencies {
  db: Database;
  redisUrl: string;
  queuePrefix: string;
  suppliers: SupplierConfig[];
  connectors: Map<string, Connector>;
  agreements: Map<string, Agreement>;
  masterKey: Buffer;
  queues: DeliveryQueues;
  metrics: GatewayMetrics;
  log: winston.Logger;
  /** How soon work lost with a dead worker or an emptied Redis is taken up again. */
  recoveryMs: number;
}

/**
 * BullMQ checks the queue's rate limit — including the pause a 429 sets through `worker.rateLimit` — only
 * in workers that have a `limiter`. Without one, another worker process, or another slot of this one,
 * takes the job straight back and ignores Retry-After. Suppliers without an agreed rate get a limiter
 * whose count is never reached, so only those pauses apply.
 */
const onlyManualRateLimits = { max: Number.MAX_SAFE_INTEGER, duration: 1000 };

/** How long deliveries pause while our database is unreachable before trying again. */
const databaseRetryMs = 2000;

/**
 * A job whose worker died mid-delivery goes back to the queue and is looked up first; one that took its
 * worker down this often is not tried again, only looked up (`resolveAbandoned`).
 */
const maxStalledCount = 3;

const discardTimeoutMs = 30_000;

/** A transfer in one of these states waits for its delivery; any other state is final. */
const awaitingDelivery = new Set(['queued', 'delivering']);

/** What this process keeps for one supplier's queue besides its BullMQ worker. */
interface ServedSupplier {
  policy: QueuePolicy;
  breaker: SupplierBreaker;
}

/**
 * job {transferId} → load → shares log `delivery.attempted` → unseal → connector.deliver →
 * `delivery.succeeded` / `delivery.failed`. After an earlier attempt the outcome may be unknown, so the
 * connector is asked first whether it landed: neither a crash nor a lost answer registers twice. Every
 * attempt ends in a status, a lastError code and one log line.
 */
export class DeliveryWorkers {
  private readonly workers: Worker<DeliveryJob>[] = [];
  private readonly connections: IORedis[] = [];
  private readonly running = new Set<AbortController>();
  private readonly sweep: StrandedSweep;

  constructor(private readonly deps: DeliveryWorkerDependencies) {
    this.sweep = new StrandedSweep(deps.db, deps.queues, deps.log, deps.recoveryMs);
  }

  start(): void {
    for (const supplier of this.deps.suppliers) {
      // BullMQ leaves a connection it was given open on close; this class owns and closes it.
      const connection = workerConnection(this.deps.redisUrl);
      this.connections.push(connection);
      const served: ServedSupplier = {
        policy: supplier.queue,
        breaker: new SupplierBreaker(supplier.queue.breaker, (state, halfOpenAt) => this.breakerChanged(connection, supplier.id, state, halfOpenAt)),
      };
      const worker: Worker<DeliveryJob> = new Worker<DeliveryJob>(deliveryQueueName(supplier.id), (job) => this.process(worker, served, job), {
        connection,
        prefix: this.deps.queuePrefix,
        concurrency: supplier.queue.concurrency,
        limiter: supplier.queue.rateLimit ? { max: supplier.queue.rateLimit.max, duration: supplier.queue.rateLimit.durationMs } : onlyManualRateLimits,
        lockDuration: this.deps.recoveryMs,
        stalledInterval: this.deps.recoveryMs,
        maxStalledCount,
        // The delay the failed attempt chose and recorded as the transfer's nextAttemptAt; one thrown without a delay gets a fresh one.
        settings: { backoffStrategy: (attemptsMade, _type, error) => (error instanceof RetryScheduled ? error.delayMs : backoffDelayMs(supplier.queue.backoff, attemptsMade)) },
      });
      worker.on('failed', (job, error) => {
        if (job && /stalled more than allowable limit/.test(error.message)) void this.resolveAbandoned(job);
      });
      // Redis going away is reported once per change by the producer connection's watch, not here on every retry.
      worker.on('error', (error) => {
        if (!isRedisConnectionError(error)) this.deps.log.error('worker error', { supplier: supplier.id, error });
      });
      this.workers.push(worker);
      // A breaker state a stopped worker left published (open, or half-open with no probe coming) is not this
      // worker's: its breaker starts closed, and says so.
      this.publishBreaker(connection, supplier.id, 'closed');
    }
    this.sweep.start();
  }

  /** Stops taking jobs and lets the running ones finish; after `graceMs` they are aborted and BullMQ hands them out again. */
  async close(graceMs = 10_000): Promise<void> {
    this.sweep.stop();
    const abort = setTimeout(() => this.running.forEach((controller) => controller.abort()), graceMs);
    await closeWorkers(this.workers, this.connections);
    clearTimeout(abort);
  }

  /**
   * One try of a job. Without our own database nothing may be sent (the log entry comes first) and no
   * outcome can be recorded; while the supplier's breaker is open nothing should be sent. Either way the
   * queue pauses and the try does not count against the job's attempts (BullMQ moves a job that throws its
   * RateLimitError back to waiting without counting it): an outage longer than the backoff must not end
   * transfers failed while their rows still wait.
   */
  async process(worker: Worker<DeliveryJob>, supplier: ServedSupplier, job: Job<DeliveryJob>): Promise<void> {
    try {
      await this.attempt(worker, supplier, job);
    } catch (error) {
      // The breaker logs its changes; each job it holds back is not worth a line.
      if (error instanceof SupplierBreakerOpen) {
        await worker.rateLimit(error.retryInMs);
        throw Worker.RateLimitError();
      }
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      this.deps.log.warn('database unavailable: deliveries pause', { transferId: job.data.transferId, retryInMs: databaseRetryMs });
      await worker.rateLimit(databaseRetryMs);
      throw Worker.RateLimitError();
    }
  }

  private async attempt(worker: Worker<DeliveryJob>, supplier: ServedSupplier, job: Job<DeliveryJob>): Promise<void> {
    const { db, log } = this.deps;
    const transfer = await findTransfer(db, job.data.transferId);
    if (transfer?.status === 'cancelled') return this.discardCancelled(transfer);
    if (!transfer || !awaitingDelivery.has(transfer.status)) return;
    if (!transfer.wrappedKey) {
      await markError(db, transfer.id, 'cancelled', 'gateway.payload_erased', 'The subject was erased before delivery; nothing was sent.');
      log.info('transfer cancelled: its payload was erased', { transferId: transfer.id });
      return;
    }
    const controller = new AbortController();
    this.running.add(controller);
    const ctx = this.contextFor(transfer, controller.signal);
    let attempt: number | undefined;
    let sending = false;
    let payload: unknown;
    try {
      // Checked before the attempt is counted: a job the open breaker holds back keeps its attempts.
      await supplier.breaker.execute(async () => {
        const started = await markDelivering(db, transfer.id);
        if (started === undefined) return;
        attempt = started;
        const { connector, agreement } = this.supplierOf(transfer);
        payload = this.open(transfer);
        // The lookup names the transfer to the supplier, which an earlier attempt, logged as attempted, may have reached.
        if (transfer.attempts > 0 && (await this.confirmedByLookup(transfer, payload, ctx, started))) return;
        await appendShares(db, [{ ...shareContext(transfer, agreement, started), event: 'delivery.attempted' }]);
        this.deps.metrics.shareLogged('delivery.attempted');
        sending = true;
        const delivered = this.deps.metrics.deliveryTimer(transfer.supplier);
        const result = await connector.deliver(transfer.operation, payload, ctx);
        delivered();
        await this.recordSuccess(transfer, agreement, started, {
          supplierReference: result.supplierReference,
          sentDigest: result.sentDigest,
          encryption: result.encryption ?? null,
          confirmedBy: 'delivery',
        });
      });
    } catch (error) {
      if (error instanceof DatabaseUnavailableError || error instanceof SupplierBreakerOpen) throw error;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const decision = decideFailure(error, lastAttempt ? null : backoffDelayMs(supplier.policy.backoff, job.attemptsMade + 1));
      if (decision.status === 'unknown' && payload !== undefined && (await this.landedAfterAll(transfer, payload, ctx, attempt!))) return;
      await this.recordFailure(transfer, ctx, decision, sending ? attempt : undefined, error);
      if (decision.rateLimitMs !== undefined) await worker.rateLimit(decision.rateLimitMs);
      throw decision.signal;
    } finally {
      this.running.delete(controller);
    }
  }

  /**
   * Records a failed attempt: the transfer's status and lastError, the share entry of an attempt that started
   * sending, one log line. A final failure first removes what the supplier kept of the transfer: should the
   * worker die in between, the transfer still waits, and its next attempt ends the same way.
   */
  private async recordFailure(transfer: TransferRecord, ctx: DeliveryContext, decision: FailureDecision, sentAttempt: number | undefined, cause: unknown): Promise<void> {
    const { connector, agreement } = this.supplierOf(transfer, false);
    const logsShare = sentAttempt !== undefined && agreement;
    if (decision.status === 'failed' && connector) await this.discard(connector, transfer, ctx);
    const nextAttemptAt = decision.retryInMs === undefined ? null : new Date(Date.now() + decision.retryInMs);
    await this.deps.db.transaction(async (tx) => {
      await markError(tx, transfer.id, decision.status, decision.code, decision.detail, nextAttemptAt);
      if (logsShare) {
        await appendShares(tx, [
          { ...shareContext(transfer, agreement, sentAttempt), event: 'delivery.failed', errorCode: decision.code, retryable: decision.retryable, outcomeUnknown: decision.outcomeUnknown },
        ]);
      }
    });
    // A bug of ours comes with its error (the log keeps its name and code, not its message).
    const error = decision.code === 'gateway.internal_error' ? cause : undefined;
    this.deps.log.warn('delivery attempt failed', { transferId: transfer.id, supplier: transfer.supplier, status: decision.status, code: decision.code, error });
    if (logsShare) this.deps.metrics.shareLogged('delivery.failed');
    this.deps.metrics.deliveryFailed(transfer.supplier, decision.code, decision.status !== 'queued');
  }

  /** A transfer that will not be delivered takes with it what earlier attempts created at the supplier. */
  private async discard(connector: Connector, transfer: TransferRecord, ctx: DeliveryContext): Promise<void> {
    try {
      // Its own time limit: the attempt's signal may be aborted already (a stopping worker).
      await connector.discard(transfer.operation, { ...ctx, signal: AbortSignal.timeout(discardTimeoutMs) });
    } catch (error) {
      this.deps.log.error('could not remove what a failed transfer created at the supplier', { transferId: transfer.id, supplier: transfer.supplier, error });
    }
  }

  /** A transfer cancelled between attempts takes with it what those attempts created at the supplier. */
  private async discardCancelled(transfer: TransferRecord): Promise<void> {
    const { connector } = this.supplierOf(transfer, false);
    if (!connector || Object.keys(transfer.deliveryState).length === 0) return;
    await this.discard(connector, transfer, this.contextFor(transfer, AbortSignal.timeout(discardTimeoutMs)));
  }

  /** Asks the supplier whether an earlier attempt landed, and records the delivery if it did. */
  private async confirmedByLookup(transfer: TransferRecord, payload: unknown, ctx: DeliveryContext, attempt: number): Promise<boolean> {
    const { connector, agreement } = this.supplierOf(transfer);
    const landed = await connector.lookup(transfer.operation, payload, ctx);
    if (landed) await this.recordSuccess(transfer, agreement, attempt, { supplierReference: landed.supplierReference, sentDigest: null, encryption: null, confirmedBy: 'lookup' });
    return landed !== null;
  }

  /** On the last attempt with an unknown outcome, one lookup settles it where it can; a lookup that fails settles nothing. */
  private async landedAfterAll(transfer: TransferRecord, payload: unknown, ctx: DeliveryContext, attempt: number): Promise<boolean> {
    return this.confirmedByLookup(transfer, payload, ctx, attempt).catch(() => false);
  }


  /**
   * A job that took its worker down `maxStalledCount` times is failed by BullMQ without a try. It is not
   * sent again; the supplier is asked whether an earlier attempt landed: delivered if so, failed if not,
   * unknown only when the supplier cannot answer.
   */
  private async resolveAbandoned(job: Job<DeliveryJob>): Promise<void> {
    const { db, log } = this.deps;
    try {
      const transfer = await findTransfer(db, job.data.transferId);
      if (!transfer || !awaitingDelivery.has(transfer.status)) return;
      const ctx = this.contextFor(transfer, AbortSignal.timeout(30_000));
      const payload = this.open(transfer);
      if (await this.landedAfterAll(transfer, payload, ctx, transfer.attempts)) return;
      const decision = decideFailure(new GatewayFailure('worker_lost', `The worker stopped mid-delivery ${maxStalledCount + 1} times; the supplier has no record of the transfer, so it was not tried again.`, true), null);
      await this.recordFailure(transfer, ctx, decision, undefined, undefined);
    } catch (error) {
      log.error('could not resolve an abandoned transfer', { transferId: job.data.transferId, error });
    }
  }

  /** One line per change, and the state published for the API; a change made while Redis is away is published once it is back. */
  private breakerChanged(redis: IORedis, supplier: string, state: BreakerState, halfOpenAt?: Date): void {
    const { log } = this.deps;
    const retryInMs = halfOpenAt && halfOpenAt.getTime() - Date.now();
    log[state === 'closed' ? 'info' : 'warn']('supplier breaker changed', { supplier, breaker: state, retryInMs });
    this.publishBreaker(redis, supplier, state, halfOpenAt);
  }

  private publishBreaker(redis: IORedis, supplier: string, state: BreakerState, halfOpenAt?: Date): void {
    const { log, queuePrefix } = this.deps;
    publishBreakerState(redis, queuePrefix, supplier, state, halfOpenAt).catch((error: unknown) => log.warn('could not publish the supplier breaker state', { supplier, error }));
  }

  private supplierOf(transfer: TransferRecord, required = true): { connector: Connector; agreement: Agreement } {
    const connector = this.deps.connectors.get(transfer.supplier);
    const agreement = this.deps.agreements.get(transfer.supplier);
    if (required && (!connector || !agreement)) throw new GatewayFailure('not_configured', 'This worker has no connector or agreement for the supplier.', true);
    return { connector: connector!, agreement: agreement! };
  }

  /** The payload, unsealed; a key that does not open it is a configuration error, not a reason to retry. */
  private open(transfer: TransferRecord): unknown {
    try {
      return JSON.parse(unsealPayload(this.deps.masterKey, transfer.id, { wrappedKey: transfer.wrappedKey!, sealedPayload: transfer.sealedPayload! }).toString('utf8'));
    } catch {
      throw new GatewayFailure('unseal_failed', 'The payload could not be unsealed with this worker\'s SGW_MASTER_KEY.', true);
    }
  }

  private contextFor(transfer: TransferRecord, signal: AbortSignal): DeliveryContext {
    const ctx: DeliveryContext = {
      signal,
      transferId: transfer.id,
      log: connectorLogger(this.deps.log, { transferId: transfer.id, supplier: transfer.supplier }),
      state: transfer.deliveryState,
      recordState: async (state) => {
        await recordDeliveryState(this.deps.db, transfer.id, state);
        ctx.state = state;
      },
    };
    return ctx;
  }

  private async recordSuccess(
    transfer: TransferRecord,
    agreement: Agreement,
    attempt: number,
    outcome: { supplierReference: string; sentDigest: string | null; encryption: DeliveryEncryption | null; confirmedBy: 'delivery' | 'lookup' },
  ): Promise<void> {
    await appendShares(this.deps.db, [{ ...shareContext(transfer, agreement, attempt), event: 'delivery.succeeded', ...outcome }], {
      change: deliveredChange(transfer.id, outcome.supplierReference),
    });
    this.deps.metrics.shareLogged('delivery.succeeded');
    this.deps.metrics.transferDelivered(transfer.supplier);
    this.deps.log.info('transfer delivered', { transferId: transfer.id, supplier: transfer.supplier, attempt, confirmedBy: outcome.confirmedBy });
  }
}
