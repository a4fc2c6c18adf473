import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type winston from 'winston';
import type { Agreement } from '../agreements/agreements';
import { describeFields, minimise } from '../agreements/payload-validator';
import { checkPolicy, Refusal } from '../agreements/policy';
import { seal, subjectHash } from '../crypto/sealing';
import { Problem, problems } from '../problem';
import type { DeliveryQueues } from '../queue/queues';
import { appendShares } from '../shares/share-log';
import type { Database } from '../store';
import { GroupCommit } from '../store/group-commit';
import type { SubjectKey, SubjectKeys } from '../subjects/subject-keys';
import { parseEnvelope, type TransferRequest } from './envelope';

/** The 202 body: ids and field names only, so it can be stored for replays. */
export interface AcceptedTransfer {
  id: string;
  status: 'queued';
  supplier: string;
  operation: string;
  fieldsShared: string[];
  fieldsWithheld: string[];
}

export interface IntakeDependencies {
  db: Database;
  agreements: Map<string, Agreement>;
  subjectKeys: SubjectKeys;
  subjectHashKey: Buffer;
  queues: DeliveryQueues;
  log: winston.Logger;
}

/** One accepted request, minimised and validated, waiting for its batch. */
interface Candidate {
  apiKeyId: string;
  idempotencyKey: string;
  requestHash: string;
  subjectHash: string;
  payload: unknown;
  categories: string[];
  agreementReference: string;
  schemaId: string;
  request: TransferRequest;
  response: AcceptedTransfer;
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
 * Intake: idempotency → agreement and purpose/basis → minimise → validate → seal → transfers row → job → 202.
 * Concurrent requests are written in batches (one round trip and one commit each), and a 202 is given
 * only once the row is committed and the job is in Redis.
 */
export class Intake {
  private readonly inFlight = new Set<string>();
  private readonly batches: GroupCommit<Candidate, Result>;

  constructor(private readonly deps: IntakeDependencies) {
    this.batches = new GroupCommit((candidates) => this.write(candidates));
  }

  async accept(apiKeyId: string, idempotencyKey: string | undefined, body: unknown): Promise<AcceptedTransfer> {
    if (!idempotencyKey) throw problems.badRequest('The Idempotency-Key header is required: send a unique value per transfer, and the same value when you retry it.');
    if (!idempotencyKeyPattern.test(idempotencyKey)) throw problems.badRequest('The Idempotency-Key header must be 1 to 255 visible ASCII characters.');
    const candidate = await this.prepare(apiKeyId, idempotencyKey, body);
    const claim = `${apiKeyId}:${idempotencyKey}`;
    if (this.inFlight.has(claim)) throw inFlightProblem();
    this.inFlight.add(claim);
    try {
      const result = await withDeadline(this.batches.submit(candidate), intakeDeadlineMs);
      if ('problem' in result) throw result.problem;
      return result.accepted;
    } finally {
      this.inFlight.delete(claim);
    }
  }

  private async prepare(apiKeyId: string, idempotencyKey: string, body: unknown): Promise<Candidate> {
    const { request, errors } = parseEnvelope(body);
    if (!request) throw problems.invalid(errors);
    const agreement = this.deps.agreements.get(request.supplier);
    if (!agreement) throw problems.notFound('No supplier with that id has an agreement here; GET /v1/suppliers lists them.');
    const operation = agreement.operations.get(request.operation);
    if (!operation) throw problems.notFound(`The agreement with ${agreement.supplier} covers no such operation; it covers ${[...agreement.operations.keys()].join(', ')}.`);
    const hashedSubject = subjectHash(this.deps.subjectHashKey, request.subject.id);
    try {
      checkPolicy(agreement, request.operation, request.purpose, request.basis.type);
    } catch (error) {
      if (error instanceof Refusal) await this.recordRefusal(apiKeyId, request, hashedSubject, error);
      throw error;
    }
    const minimised = minimise(operation.validate, request.data, '/data');
    if (minimised.errors.length) throw problems.invalid(minimised.errors);
    const fields = describeFields(operation.schema, minimised.payload, '/data');
    const id = randomUUID();
    return {
      apiKeyId,
      idempotencyKey,
      requestHash: createHash('sha256').update(canonicalize(body)!).digest('hex'),
      subjectHash: hashedSubject,
      payload: minimised.payload,
      categories: [...new Set(fields.map((field) => field.category))].sort(),
      agreementReference: agreement.agreementReference,
      schemaId: operation.schemaId,
      request,
      response: {
        id,
        status: 'queued',
        supplier: request.supplier,
        operation: request.operation,
        fieldsShared: fields.map((field) => field.pointer),
        fieldsWithheld: minimised.withheld,
      },
    };
  }

  /** A refusal is evidence too: the log shows what was asked and why it was not shared. */
  private async recordRefusal(apiKeyId: string, request: TransferRequest, hashedSubject: string, refusal: Refusal): Promise<void> {
    const { supplier, operation, purpose, basis } = request;
    this.deps.log.warn('transfer refused', { reason: refusal.reason, supplier, operation, apiKeyId });
    await this.deps.db.transaction((tx) =>
      appendShares(tx, [
        { event: 'transfer.refused', supplier, operation, purpose, basis: { type: basis.type, reference: basis.reference ?? null }, subject: hashedSubject, reason: refusal.reason, apiKeyId },
      ]),
    );
  }

  /**
   * One batch: seal, write all rows (one statement, one commit), then one Redis round trip. Each subject is
   * sealed with a fresh key unless the database answers `rekey` with the key it already has; those items
   * are sealed again and written in the next round.
   */
  private async write(candidates: Candidate[]): Promise<Result[]> {
    const results: (Result | undefined)[] = new Array(candidates.length);
    const keys = new Map<string, SubjectKey>();
    for (const { subjectHash } of candidates) if (!keys.has(subjectHash)) keys.set(subjectHash, this.deps.subjectKeys.create(subjectHash));
    let pending = candidates.map((_, index) => index);
    for (let round = 0; round < rekeyRounds && pending.length; round++) {
      const outcomes = await this.writeRows(pending.map((index) => candidates[index]), keys);
      pending = pending.filter((index, position) => {
        const outcome = outcomes[position];
        if (outcome.outcome !== 'rekey') {
          results[index] = this.resultOf(candidates[index], outcome);
          return false;
        }
        const { subjectHash } = candidates[index];
        keys.set(
          subjectHash,
          outcome.wrappedKey
            ? this.deps.subjectKeys.open(outcome.subjectKeyId!, subjectHash, Buffer.from(outcome.wrappedKey, 'base64'))
            : this.deps.subjectKeys.create(subjectHash),
        );
        return true;
      });
    }
    for (const index of pending) results[index] = { problem: inFlightProblem() };

    const toQueue = candidates.flatMap((candidate, index) => {
      const result = results[index]!;
      return 'accepted' in result && result.enqueue ? [{ id: result.accepted.id, supplier: candidate.request.supplier }] : [];
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

  private async writeRows(candidates: Candidate[], keys: Map<string, SubjectKey>): Promise<Outcome[]> {
    const rows = candidates.map((candidate) => {
      const key = keys.get(candidate.subjectHash)!;
      const { request, response } = candidate;
      return {
        transferId: response.id,
        apiKeyId: candidate.apiKeyId,
        idempotencyKey: candidate.idempotencyKey,
        requestHash: candidate.requestHash,
        subjectHash: candidate.subjectHash,
        subjectKeyId: key.id,
        ...(!key.stored && { wrappedKey: key.wrappedKey.toString('base64') }),
        supplier: request.supplier,
        operation: request.operation,
        schemaId: candidate.schemaId,
        agreementReference: candidate.agreementReference,
        purpose: request.purpose,
        basisType: request.basis.type,
        basisReference: request.basis.reference ?? null,
        fieldsShared: response.fieldsShared,
        fieldsWithheld: response.fieldsWithheld,
        categories: candidate.categories,
        sealedPayload: seal(key.dataKey, Buffer.from(JSON.stringify(candidate.payload)), response.id).toString('base64'),
        response,
      };
    });
    const [{ outcomes }] = await this.deps.db.query<{ outcomes: Outcome[] }>('select sgw_accept_transfers($1::jsonb) as outcomes', [JSON.stringify(rows)]);
    return outcomes;
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
