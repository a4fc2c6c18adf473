import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { LRUCache } from 'lru-cache';
import type { Agreement } from '../agreements/agreements';
import { describeFields, minimise } from '../agreements/payload-validator';
import { checkPolicy, Refusal, type RefusalReason } from '../agreements/policy';
import { seal, subjectHash } from '../crypto/sealing';
import { problems, type ProblemFields } from '../problem';
import type { SubjectKey, SubjectKeys, WrappedSubjectKey } from '../subjects/subject-keys';
import { parseTransferRequest, type TransferRequest } from './envelope';

/** The 202 body: ids and field names only; a replay rebuilds it from the stored transfer. */
export interface AcceptedTransfer {
  id: string;
  status: 'queued';
  supplier: string;
  operation: string;
  fieldsShared: string[];
  fieldsWithheld: string[];
}

/** A request ready for its batch: minimised, validated and sealed. */
export interface PreparedTransfer {
  response: AcceptedTransfer;
  subjectHash: string;
  /** The row for `sgw_accept_transfers`, as JSON: the payload sealed under the subject's key, wrapped key included while it may be new. */
  row: string;
  /** The minimised payload as JSON, kept in memory only, to seal it again should the subject already have a key. */
  payload: string;
}

/** A request the agreement does not cover: what the shares log records of it. */
export interface RefusedTransfer {
  reason: RefusalReason;
  detail: string;
  request: Pick<TransferRequest, 'supplier' | 'operation' | 'purpose' | 'basis'>;
  subjectHash: string;
}

/** One request as the main thread hands it to an intake thread: the body as sent, parsed there. */
export interface PreparationRequest {
  apiKeyId: string;
  idempotencyKey: string;
  body: string;
}

/** A subject's key after a `rekey`: the one the database holds, or a fresh one when it holds none; its next transfers are sealed under it. */
export interface LearnedKey {
  subjectHash: string;
  key: WrappedSubjectKey;
}

/** A batch for an intake thread, with the keys the database answered lately, so that every thread learns them. */
export interface PreparationBatch {
  requests: PreparationRequest[];
  learnedKeys: LearnedKey[];
}

/** Plain data, so that it can cross from an intake thread to the main thread. */
export type Preparation = { prepared: PreparedTransfer } | { refused: RefusedTransfer } | { problem: ProblemFields };

/**
 * Each subject's key as this thread last knew it, data key included, so that a returning subject's transfer
 * is sealed once, under the key the database holds, and commits in one statement. A key this thread made is
 * remembered at once, before the database has it: its rows carry it wrapped until then, and the database
 * stores it, takes it as the subject's active key, or answers with the subject's other key (`rekey`),
 * which the main thread passes on to every thread (`LearnedKey`). The database checks every key, so an
 * entry gone stale (another thread's key won, or an erasure destroyed it) costs a round trip, never a
 * wrong key. Entries expire, so a destroyed data key does not stay in memory for long.
 */
export function activeKeyCache(): LRUCache<string, SubjectKey> {
  return new LRUCache<string, SubjectKey>({ max: 10_000, ttl: 5 * 60_000 });
}

/**
 * The CPU-bound part of intake, run on the intake threads: parse → envelope → agreement and purpose/basis →
 * minimise → validate → seal. It reads and writes nothing outside memory.
 */
export function preparer(agreements: Map<string, Agreement>, subjectKeys: SubjectKeys, subjectHashKey: Buffer, activeKeys: LRUCache<string, SubjectKey>) {
  return function prepare({ apiKeyId, idempotencyKey, body }: PreparationRequest): Preparation {
    const parsed = parseTransferRequest(body);
    if ('problem' in parsed) return { problem: parsed.problem.fields() };
    const { request } = parsed;
    const agreement = agreements.get(request.supplier);
    if (!agreement) return { problem: problems.notFound('No supplier with that id has an agreement here; GET /v1/suppliers lists them.').fields() };
    const operation = agreement.operations.get(request.operation);
    if (!operation) {
      return { problem: problems.notFound(`The agreement with ${agreement.supplier} covers no such operation; it covers ${[...agreement.operations.keys()].join(', ')}.`).fields() };
    }
    const hashedSubject = subjectHash(subjectHashKey, request.subject.id);
    try {
      checkPolicy(agreement, request.operation, request.purpose, request.basis.type);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      const { supplier, purpose, basis } = request;
      return { refused: { reason: error.reason, detail: error.detail, request: { supplier, operation: request.operation, purpose, basis }, subjectHash: hashedSubject } };
    }
    const minimised = minimise(operation.validate, request.data, '/data');
    if (minimised.errors.length) return { problem: problems.invalid(minimised.errors).fields() };
    const fields = describeFields(operation.fields, minimised.payload);
    const id = randomUUID();
    const response: AcceptedTransfer = {
      id,
      status: 'queued',
      supplier: request.supplier,
      operation: request.operation,
      fieldsShared: fields.map((field) => field.pointer),
      fieldsWithheld: minimised.withheld,
    };
    const payload = JSON.stringify(minimised.payload);
    const row = {
      transferId: id,
      apiKeyId,
      idempotencyKey,
      requestHash: createHash('sha256').update(canonicalize(request)!).digest('hex'),
      subjectHash: hashedSubject,
      supplier: request.supplier,
      operation: request.operation,
      schemaId: operation.schemaId,
      agreementReference: agreement.agreementReference,
      purpose: request.purpose,
      basisType: request.basis.type,
      basisReference: request.basis.reference ?? null,
      fieldsShared: response.fieldsShared,
      fieldsWithheld: response.fieldsWithheld,
      categories: [...new Set(fields.map((field) => field.category))].sort(),
    };
    let key = activeKeys.get(hashedSubject);
    if (!key) {
      key = subjectKeys.create(hashedSubject);
      activeKeys.set(hashedSubject, key);
    }
    return { prepared: { response, subjectHash: hashedSubject, row: sealedRow(row, key, payload), payload } };
  };
}

/** Takes in the keys the database answered, opening only those this thread does not hold yet. */
export function learnKeys(activeKeys: LRUCache<string, SubjectKey>, subjectKeys: SubjectKeys, learned: LearnedKey[]): void {
  for (const { subjectHash, key } of learned) {
    if (activeKeys.peek(subjectHash)?.id === key.id) continue;
    activeKeys.set(subjectHash, subjectKeys.open(key.id, subjectHash, Buffer.from(key.wrappedKey, 'base64')));
  }
}

/** A row with its subject key (wrapped, when the database does not hold it yet) and the payload sealed under it, as JSON. */
function sealedRow(row: { transferId: string }, key: SubjectKey, payload: string): string {
  return JSON.stringify({
    ...row,
    subjectKeyId: key.id,
    wrappedKey: key.stored ? undefined : key.wrappedKey.toString('base64'),
    sealedPayload: seal(key.dataKey, Buffer.from(payload), row.transferId).toString('base64'),
  });
}

/** The same row sealed under another key: the one the subject already has, or a fresh one. */
export function resealedRow(prepared: PreparedTransfer, key: SubjectKey): string {
  return sealedRow(JSON.parse(prepared.row), key, prepared.payload);
}
