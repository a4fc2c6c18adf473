import type winston from 'winston';
import type { Agreement } from '../agreements/agreements';
import { Refusal } from '../agreements/policy';
import type { GatewayMetrics } from '../metrics';
import { Problem, problems } from '../problem';
import type { DeliveryQueues } from '../queue/queues';
import { appendShares } from '../shares/share-log';
import { DatabaseUnavailableError, type Database } from '../store';
import { Batcher } from './batcher';
import { preparer, type AcceptedTransfer, type PreparedTransfer, type RefusedTransfer, type TransferRow } from './preparation';

export type { AcceptedTransfer } from './preparation';

export interface IntakeDependencies {
  db: Database;
  queues: DeliveryQueues;
  /** The agreements of the configured suppliers: a transfer to any other supplier is a 404. */
  agreements: Map<string, Agreement>;
  masterKey: Buffer;
  subjectHashKey: Buffer;
  metrics: GatewayMetrics;
  log: winston.Logger;
}

/** What `sgw_accept_transfers` answers for one item. */
type Outcome = { outcome: 'created' | 'in_flight' | 'erasing' } | { outcome: 'replay' | 'mismatch'; response: AcceptedTransfer; status: string };

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;
/**
 * A request waits at most this long for its batch: a database that stops answering gives a 503 in under
 * two seconds. The batch may still commit later; the caller's retry with the same key then replays it.
 */
const intakeDeadlineMs = 1800;
/** How long a batch's answers wait for Redis to take its jobs, and a closing intake: a job added later, or by the sweep, is as good. */
const enqueueWaitMs = 500;
const enqueueCloseWaitMs = 5000;

/**
 * Intake: idempotency → agreement and purpose/basis → minimise → validate → seal → transfers row → job → 202.
 * Concurrent requests are written together, one statement and one commit per batch (group commit); a 202
 * leaves once its row is committed. The job follows in one Redis round trip per batch; should that fail,
 * the row is committed all the same, and the workers' sweep queues it.
 */
export class Intake {
  private readonly inFlight = new Set<string>();
  /** Every request being accepted and every enqueue: close() lets them finish, so that a caller who hung up still gets its row and job. */
  private readonly underway = new Set<Promise<unknown>>();
  private closing = false;
  private readonly prepare: ReturnType<typeof preparer>;
  // Under a burst, a second write waits for 16 requests rather than spending a round trip on one.
  private readonly writing = new Batcher<PreparedTransfer, AcceptedTransfer | Problem>((batch) => this.write(batch), { minFill: 16 });

  constructor(private readonly deps: IntakeDependencies) {
    this.prepare = preparer(deps.agreements, deps);
  }

  /** Once the server takes no more requests: finishes those under way, down to the last job, even where a caller stopped waiting. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled(this.underway);
    await this.writing.idle();
    await Promise.allSettled(this.underway);
  }

  /** `body` is the request's JSON text, as sent. */
  async accept(apiKeyId: string, idempotencyKey: string | undefined, body: string): Promise<AcceptedTransfer> {
    if (this.closing) throw problems.unavailable('This gateway process, which is stopping,');
    return this.track(this.acceptNow(apiKeyId, idempotencyKey, body));
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.underway.add(work);
    try {
      return await work;
    } finally {
      this.underway.delete(work);
    }
  }

  private async acceptNow(apiKeyId: string, idempotencyKey: string | undefined, body: string): Promise<AcceptedTransfer> {
    if (!idempotencyKey) throw problems.badRequest('The Idempotency-Key header is required: send a unique value per transfer, and the same value when you retry it.');
    if (!idempotencyKeyPattern.test(idempotencyKey)) throw problems.badRequest('The Idempotency-Key header must be 1 to 255 visible ASCII characters.');
    const preparation = this.prepare(apiKeyId, idempotencyKey, body);
    if ('problem' in preparation) throw preparation.problem;
    if ('refused' in preparation) {
      await this.recordRefusal(apiKeyId, preparation.refused);
      throw new Refusal(preparation.refused.reason, preparation.refused.detail);
    }
    const claim = `${apiKeyId}:${idempotencyKey}`;
    if (this.inFlight.has(claim)) throw inFlightProblem();
    this.inFlight.add(claim);
    try {
      const result = await withDeadline(this.writing.submit(preparation.prepared), intakeDeadlineMs);
      if (result instanceof Problem) throw result;
      return result;
    } finally {
      this.inFlight.delete(claim);
    }
  }

  /** A refusal is evidence too: the log shows what was asked and why it was not shared. */
  private async recordRefusal(apiKeyId: string, { reason, request, subjectHash }: RefusedTransfer): Promise<void> {
    const { supplier, operation, purpose, basis } = request;
    this.deps.log.warn('transfer refused', { reason, supplier, operation, apiKeyId });
    await this.deps.db.transaction((tx) =>
      appendShares(tx, [
        { event: 'transfer.refused', supplier, operation, purpose, basis: { type: basis.type, reference: basis.reference ?? null }, subject: subjectHash, reason, apiKeyId },
      ]),
    );
    this.deps.metrics.shareLogged('transfer.refused');
  }

  /** One batch: its rows in one statement, then the jobs of those that wait for delivery in one Redis round trip. */
  private async write(batch: PreparedTransfer[]): Promise<(AcceptedTransfer | Problem)[]> {
    const outcomes = await this.store(batch.map((prepared) => prepared.row));
    const toQueue: { id: string; supplier: string }[] = [];
    const results = batch.map((prepared, index) => {
      const outcome = outcomes[index];
      if (outcome instanceof Problem) return outcome;
      switch (outcome.outcome) {
        case 'created':
          this.deps.metrics.transferAccepted(prepared.response.supplier, prepared.response.operation);
          toQueue.push({ id: prepared.response.id, supplier: prepared.response.supplier });
          return prepared.response;
        case 'replay':
          // The first answer again; its job is added again while the transfer waits, in case the first enqueue failed.
          if (outcome.status === 'queued') toQueue.push({ id: outcome.response.id, supplier: outcome.response.supplier });
          return outcome.response;
        case 'mismatch':
          return new Problem(422, 'idempotency-key-reused', 'Idempotency-Key reused', 'This Idempotency-Key was already used for a different request body; use a new key for a new transfer.');
        case 'erasing':
          return problems.conflict('subject-being-erased', 'Subject being erased', 'An erasure of this subject is running: none of its transfers is accepted until it has finished. Retry later.');
        default:
          return inFlightProblem();
      }
    });
    // The rows are committed: whether or not Redis takes the jobs in time, the answers are 202, and a job
    // Redis never takes is added by the workers' sweep. A close waits a while longer for them.
    const enqueued = this.deps.queues.enqueue(toQueue).catch((error: Error) => {
      this.deps.log.error('enqueue failed; the transfers are committed and the workers queue them again', { count: toQueue.length, error });
    });
    void this.track(within(enqueued, enqueueCloseWaitMs));
    await within(enqueued, enqueueWaitMs);
    return results;
  }

  /**
   * The rows in one statement. Should it fail for a reason of its own rather than an unreachable database,
   * each row is tried alone, so that a row the database refuses fails only its own request.
   */
  private async store(rows: TransferRow[]): Promise<(Outcome | Problem)[]> {
    try {
      const [{ outcomes }] = await this.deps.db.query<{ outcomes: Outcome[] }>('select sgw_accept_transfers($1::jsonb) as outcomes', [JSON.stringify(rows)]);
      return outcomes;
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) throw error;
      if (rows.length > 1) return Promise.all(rows.map((row) => this.storeAlone(row)));
      this.deps.log.error('the database refused a transfer row', { transferId: rows[0].transferId, error });
      return [refusedByDatabase((error as { code?: string }).code)];
    }
  }

  /**
   * A row of a batch whose statement failed, tried alone. pg reports the error before the server has ended that
   * statement's transaction, which holds the rows' idempotency claims until then: a row that meets its own claim
   * waits a moment and tries again, rather than read as in flight. (A transaction around each batch would close
   * the gap too, at two more round trips per batch: measured at a fifth of intake's throughput.)
   */
  private async storeAlone(row: TransferRow): Promise<Outcome | Problem> {
    for (let wait = 5; ; wait *= 2) {
      const [outcome] = await this.store([row]);
      if (!('outcome' in outcome && outcome.outcome === 'in_flight') || wait > 80) return outcome;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint) are about the row; anything else may pass on retry. */
function refusedByDatabase(code: string | undefined): Problem {
  return code?.startsWith('22') || code?.startsWith('23')
    ? problems.invalid([{ pointer: '/', detail: 'holds a value the gateway cannot store' }])
    : problems.unavailable('The database');
}

/** Resolves when `work` does, or after `ms`, whichever is first. */
function within(work: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([work, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(problems.unavailable('The database')), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function inFlightProblem(): Problem {
  return problems.conflict('request-in-flight', 'Request in flight', 'A request with this Idempotency-Key is still being processed; retry shortly.');
}
