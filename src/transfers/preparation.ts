import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Agreement } from '../agreements/agreements';
import { describeFields, minimise } from '../agreements/payload-validator';
import { checkPolicy, Refusal, type RefusalReason } from '../agreements/policy';
import { sealPayload, subjectHash } from '../crypto/sealing';
import { problems, type Problem } from '../problem';
import { parseTransferRequest, type TransferRequest } from './envelope';
import type { TransferTerms } from './transfer-store';

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
  /** The row for `sgw_accept_transfers`. */
  row: TransferRow;
}

/** One item of `sgw_accept_transfers` (the `sgw_transfer_item` type of the schema). */
export interface TransferRow extends TransferTerms {
  transferId: string;
  apiKeyId: string;
  idempotencyKey: string;
  requestHash: string;
  wrappedKey: string;
  sealedPayload: string;
}

/** A request the agreement does not cover: what the shares log records of it. */
export interface RefusedTransfer {
  reason: RefusalReason;
  detail: string;
  request: Pick<TransferRequest, 'supplier' | 'operation' | 'purpose' | 'basis'>;
  subjectHash: string;
}

export type Preparation = { prepared: PreparedTransfer } | { refused: RefusedTransfer } | { problem: Problem };

export interface PreparationKeys {
  masterKey: Buffer;
  subjectHashKey: Buffer;
}

/**
 * The part of intake that reads and writes nothing outside memory: parse → envelope → agreement and
 * purpose/basis → minimise → validate → seal. `agreements` holds the configured suppliers only.
 */
export function preparer(agreements: Map<string, Agreement>, { masterKey, subjectHashKey }: PreparationKeys) {
  return function prepare(apiKeyId: string, idempotencyKey: string, body: string): Preparation {
    const parsed = parseTransferRequest(body);
    if ('problem' in parsed) return parsed;
    const { request } = parsed;
    const agreement = agreements.get(request.supplier);
    if (!agreement) return { problem: problems.notFound('No supplier with that id is configured here.') };
    const operation = agreement.operations.get(request.operation);
    if (!operation) {
      return { problem: problems.notFound(`The agreement with ${agreement.supplier} covers no such operation; it covers ${[...agreement.operations.keys()].join(', ')}.`) };
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
    if (minimised.errors.length) return { problem: problems.invalid(minimised.errors) };
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
    const sealed = sealPayload(masterKey, id, Buffer.from(JSON.stringify(minimised.payload)));
    const row: TransferRow = {
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
      wrappedKey: sealed.wrappedKey.toString('base64'),
      sealedPayload: sealed.sealedPayload.toString('base64'),
    };
    return { prepared: { response, row } };
  };
}
