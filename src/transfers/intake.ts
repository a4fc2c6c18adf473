import { availableParallelism } from 'node:os';
import path from 'node:path';
import Piscina from 'piscina';
import type winston from 'winston';
import { Refusal } from '../agreements/policy';
import { Problem, problems } from '../problem';
import type { DeliveryQueues } from '../queue/queues';
import { appendShares } from '../shares/share-log';
import type { Database } from '../store';
import { SubjectKeys, wrappedForm } from '../subjects/subject-keys';
import { Batcher } from './batcher';
import {
  resealedRow,
  type AcceptedTransfer,
  type LearnedKey,
  type Preparation,
  type PreparationRequest,
  type PreparedTransfer,
  type RefusedTransfer,
} from './preparation';

export type { AcceptedTransfer } from './preparation';

export interface IntakeDependencies {
  db: Database;
  queues: DeliveryQueues;
  masterKey: Buffer;
  subjectHashKey: Buffer;
  log: winston.Logger;
}

/** A prepared request with its idempotency claim, waiting for its batch. */
interface Candidate extends PreparedTransfer {
  apiKeyId: string;
  idempotencyKey: string;
}

type Outcome =
  | { outcome: 'created' | 'in_flight' }
  | { outcome: 'rekey'; subjectKeyId?: string; wrappedKey?: string }
  | { outcome: 'replay' | 'mismatch'; response: AcceptedTransfer; status: string };
/** `enqueue`: the transfer still waits for delivery, so its job is (re)added; adding an existing job id is a no-op. */
type Result = { accepted: AcceptedTransfer; enqueue: boolean } | { problem: Problem };

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;
/**
 * A request waits at most this long for its batch: a database or Redis that stops answering gives a 503
 * in under two seconds. The batch may still commit later; the caller's retry with the same key then
 * replays it.
 */
const intakeDeadlineMs = 1800;
const rekeyRounds = 3;
/**
 * How long a key the database answered is passed on with every batch, so that each intake thread learns it,
 * and how many at most: a thread that misses one pays a round trip for it later, nothing more.
 */
const learnedKeyMs = 10_000;
const learnedKeysMax = 1000;
/** Threads that prepare requests: the cores the main thread leaves, up to four. */
const intakeThreads = Math.min(4, Math.max(1, availableParallelism() - 1));

/**
 * Intake: idempotency → agreement and purpose/basis → minimise → validate → seal → transfers row → job → 202.
 * Requests are prepared on threads, then written in batches (one round trip and one commit each), and a
 * 202 is given only once the row is committed and the job is in Redis.
 */
export class Intake {
  private readonly inFlight = new Set<string>();
  /** Every request being accepted: close() lets them finish, so that a caller who hung up still gets its row and job. */
  private readonly underway = new Set<Promise<unknown>>();
  private closing = false;
  /**
   * Validation, hashing and sealing run on these threads (preparation-thread.ts), off the main thread,
   * which keeps to HTTP and I/O. Requests go to them in batches: one message per batch, not per request.
   */
  private readonly threads: Piscina;
  private readonly preparing: Batcher<PreparationRequest, Preparation>;
  private readonly writing: Batcher<Candidate, Result>;
  private readonly subjectKeys: SubjectKeys;
  /** The keys rows were sealed again under after a `rekey` (the subject's stored key, or a fresh one when it has none), newest last (see activeKeyCache in preparation.ts). */
  private learnedKeys: (LearnedKey & { at: number })[] = [];

  constructor(private readonly deps: IntakeDependencies) {
    this.threads = new Piscina({
      filename: path.join(__dirname, 'preparation-thread.ts'),
      workerData: { masterKey: deps.masterKey, subjectHashKey: deps.subjectHashKey },
      minThreads: intakeThreads,
      maxThreads: intakeThreads,
      // One batch in the works and the next one waiting, so a thread never waits for a message.
      concurrentTasksPerWorker: 2,
      // The sources run through tsx (there is no build step), in the threads too.
      execArgv: ['--require', require.resolve('tsx/cjs')],
    });
    // Small batches, so that the first requests of a burst are written while the rest are still prepared.
    this.preparing = new Batcher((requests) => this.threads.run({ requests, learnedKeys: this.recentlyLearnedKeys() }), {
      maxInFlight: intakeThreads * 2,
      maxBatch: 8,
    });
    // Under a burst, a second write waits for 16 requests rather than spending a round trip on one.
    this.writing = new Batcher((candidates) => this.write(candidates), { minFill: 16 });
    this.subjectKeys = new SubjectKeys(deps.masterKey);
  }

  /** Loads the intake threads now: a thread that cannot load stops the start instead of failing every request. */
  async start(): Promise<void> {
    try {
      await Promise.all(Array.from({ length: intakeThreads }, () => this.threads.run({ requests: [], learnedKeys: [] })));
    } catch (error) {
      await this.threads.destroy();
      throw new Error(`The intake threads could not load preparation-thread.ts: ${(error as Error).message}`);
    }
  }

  /** Once the server takes no more requests: finishes those under way, then stops the threads. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled(this.underway);
    await this.threads.destroy();
  }

  /** `body` is the request's JSON text, as sent. */
  async accept(apiKeyId: string, idempotencyKey: string | undefined, body: string): Promise<AcceptedTransfer> {
    if (this.closing) throw problems.unavailable('This gateway process, which is stopping,');
    const work = this.acceptNow(apiKeyId, idempotencyKey, body);
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
    const preparation = await this.preparing.submit({ apiKeyId, idempotencyKey, body });
    if ('problem' in preparation) throw Problem.from(preparation.problem);
    if ('refused' in preparation) {
      await this.recordRefusal(apiKeyId, preparation.refused);
      throw new Refusal(preparation.refused.reason, preparation.refused.detail);
    }
    const claim = `${apiKeyId}:${idempotencyKey}`;
    if (this.inFlight.has(claim)) throw inFlightProblem();
    this.inFlight.add(claim);
    try {
      const result = await withDeadline(this.writing.submit({ ...preparation.prepared, apiKeyId, idempotencyKey }), intakeDeadlineMs);
      if ('problem' in result) throw result.problem;
      return result.accepted;
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
  }

  private recentlyLearnedKeys(): LearnedKey[] {
    const since = Date.now() - learnedKeyMs;
    if (this.learnedKeys.length && this.learnedKeys[0].at < since) this.learnedKeys = this.learnedKeys.filter((learned) => learned.at >= since);
    if (this.learnedKeys.length > learnedKeysMax) this.learnedKeys = this.learnedKeys.slice(-learnedKeysMax);
    return this.learnedKeys;
  }

  /**
   * One batch: all rows in one statement and one commit, then one Redis round trip. Where the database
   * answers `rekey` (the subject has another key than the row's, or none that may be used) the row is
   * sealed again, under that key or a fresh one, and goes in the next round; the key is passed on to the
   * intake threads, so that the subject's next transfers are sealed under it at once.
   */
  private async write(candidates: Candidate[]): Promise<Result[]> {
    const results: (Result | undefined)[] = new Array(candidates.length);
    const rows = candidates.map((candidate) => candidate.row);
    let pending = candidates.map((_, index) => index);
    for (let round = 0; round < rekeyRounds && pending.length; round++) {
      const [{ outcomes }] = await this.deps.db.query<{ outcomes: Outcome[] }>('select sgw_accept_transfers($1::jsonb) as outcomes', [
        `[${pending.map((index) => rows[index]).join(',')}]`,
      ]);
      pending = pending.filter((index, position) => {
        const outcome = outcomes[position];
        const candidate = candidates[index];
        if (outcome.outcome !== 'rekey') {
          results[index] = this.resultOf(candidate, outcome);
          return false;
        }
        const key = outcome.wrappedKey
          ? this.subjectKeys.open(outcome.subjectKeyId!, candidate.subjectHash, Buffer.from(outcome.wrappedKey, 'base64'))
          : this.subjectKeys.create(candidate.subjectHash);
        rows[index] = resealedRow(candidate, key);
        this.learnedKeys.push({ subjectHash: candidate.subjectHash, key: wrappedForm(key), at: Date.now() });
        return true;
      });
    }
    for (const index of pending) results[index] = { problem: inFlightProblem() };

    const toQueue = candidates.flatMap((candidate, index) => {
      const result = results[index]!;
      return 'accepted' in result && result.enqueue ? [{ id: result.accepted.id, supplier: candidate.response.supplier }] : [];
    });
    try {
      await this.deps.queues.enqueue(toQueue);
    } catch (error) {
      this.deps.log.error('enqueue failed; the transfers are stored and are queued again on retry', { transfers: toQueue.length, error: (error as Error).message });
      const unavailable = problems.unavailable('The queue (Redis)');
      return results.map((result) => ('accepted' in result! ? { problem: unavailable } : result!));
    }
    return results as Result[];
  }

  private resultOf(candidate: Candidate, outcome: Outcome): Result {
    switch (outcome.outcome) {
      case 'created':
        return { accepted: candidate.response, enqueue: true };
      case 'replay':
        // The first answer again; its job is re-added while the transfer waits, in case the first enqueue failed after the commit.
        return { accepted: outcome.response, enqueue: outcome.status === 'queued' };
      case 'mismatch':
        return {
          problem: new Problem(422, 'idempotency-key-reused', 'Idempotency-Key reused', 'This Idempotency-Key was already used for a different request body; use a new key for a new transfer.'),
        };
      default:
        return { problem: inFlightProblem() };
    }
  }
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(problems.unavailable('The database or the queue')), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function inFlightProblem(): Problem {
  return problems.conflict('request-in-flight', 'Request in flight', 'A request with this Idempotency-Key is still being processed; retry shortly.');
}
