import type { Agreement } from '../agreements/agreements';
import { problems } from '../problem';
import type { DeliveryQueues } from '../queue/queues';
import { appendShares } from '../shares/share-log';
import type { Database, Queryable } from '../store';
import { findTransfer, transferColumns, toRecord, type TransferRecord, type TransferStatus } from './transfer-store';

export const transferStatuses: TransferStatus[] = ['queued', 'delivering', 'delivered', 'failed', 'cancelled', 'unknown'];
/** What a retry may take up again: a transfer that ended without a delivery we know of. */
export const retryableStatuses: TransferStatus[] = ['failed', 'unknown'];
/** What may be cancelled: nothing is on its way to the supplier, and the supplier is known not to hold it. */
const cancellableStatuses: TransferStatus[] = ['queued', 'failed'];

export interface TransferFilter {
  status?: TransferStatus;
  supplier?: string;
  operation?: string;
  /** A code or its first segments: `supplier.rejected` matches `supplier.rejected.domain_taken`. */
  errorCode?: string;
  /** On createdAt, from `since` inclusive to `until` exclusive. */
  since?: Date;
  until?: Date;
  /** Only the transfers this API key asked for (a provisioning key's view). */
  apiKeyId?: string;
}

/** A position in the newest-first order: the created_at text PostgreSQL printed (to the microsecond) and the id. */
export interface TransferCursor {
  createdAt: string;
  id: string;
}

export interface TransferPage {
  items: TransferRecord[];
  next: TransferCursor | null;
  /** Per status, the transfers matching every filter but status. */
  counts: Partial<Record<TransferStatus, number>>;
}

/** Who asked: retries and cancels name the API key in `ops_actions`. */
export interface Requester {
  apiKeyId: string;
  apiKeyName: string;
}

/** Builds a where clause from a filter, numbering parameters after those already in `params`. */
function whereOf(filter: TransferFilter, params: unknown[], options: { withStatus: boolean } = { withStatus: true }): string {
  const conditions: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (options.withStatus && filter.status) add((p) => `status = ${p}`, filter.status);
  if (filter.supplier) add((p) => `supplier = ${p}`, filter.supplier);
  if (filter.operation) add((p) => `operation = ${p}`, filter.operation);
  // By segment: `supplier.rejected` finds `supplier.rejected.domain_taken`, not `supplier.rejectedfoo`. Codes hold no LIKE wildcards but `_`, escaped.
  if (filter.errorCode) add((p) => `(last_error_code = ${p} or last_error_code like replace(${p}, '_', '\\_') || '.%')`, filter.errorCode);
  if (filter.since) add((p) => `created_at >= ${p}`, filter.since);
  if (filter.until) add((p) => `created_at < ${p}`, filter.until);
  if (filter.apiKeyId) add((p) => `api_key_id = ${p}`, filter.apiKeyId);
  return conditions.length ? conditions.join(' and ') : 'true';
}

/**
 * One page of transfers, newest first. The cursor is a position in (created_at, id), not an offset, so
 * transfers created while someone pages appear before the first page and never shift or repeat the next ones.
 */
export async function listTransfers(db: Queryable, filter: TransferFilter, limit: number, after?: TransferCursor): Promise<TransferPage> {
  const params: unknown[] = [];
  let where = whereOf(filter, params);
  if (after) {
    params.push(after.createdAt, after.id);
    where += ` and (created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  params.push(limit);
  const rows = await db.query<Record<string, unknown>>(
    `select ${transferColumns}, created_at::text as created_at_text from transfers where ${where} order by created_at desc, id desc limit $${params.length}`,
    params,
  );
  const countParams: unknown[] = [];
  const counted = await db.query<{ status: TransferStatus; n: string }>(
    `select status, count(*) as n from transfers where ${whereOf(filter, countParams, { withStatus: false })} group by status`,
    countParams,
  );
  const last = rows.length === limit ? rows.at(-1) : undefined;
  return {
    items: rows.map(toRecord),
    next: last ? { createdAt: last.created_at_text as string, id: last.id as string } : null,
    counts: Object.fromEntries(counted.map(({ status, n }) => [status, Number(n)])),
  };
}

/**
 * Puts a failed or unknown transfer back on its supplier's queue as a new job, with fresh attempts. Its
 * attempts so far make the worker look the transfer up at the supplier before sending anything, so a retry
 * never registers twice. The row is locked while its old job is removed: two retries at once make one job.
 */
export async function retryTransfer(db: Database, queues: DeliveryQueues, requester: Requester, id: string): Promise<TransferRecord> {
  const retried = await db.transaction(async (tx) => {
    const transfer = await lockTransfer(tx, id);
    if (!retryableStatuses.includes(transfer.status)) {
      throw problems.conflict('not-retryable', 'Transfer not retryable', `The transfer is ${transfer.status}; only failed and unknown transfers can be retried.`);
    }
    await removeJobs(queues, transfer.supplier, [transfer.id]);
    await requeue(tx, requester, [transfer.id], null);
    return transfer;
  });
  await enqueueQuietly(queues, [retried]);
  return (await findTransfer(db, id))!;
}

export interface BulkRetry {
  /** Retryable transfers the filter matches. */
  matched: number;
  retried: number;
  /** The position of the last transfer retried: a next call from there goes on with newer ones. */
  next: TransferCursor | null;
}

/** Rows per transaction and per Redis round of a bulk retry: bounds how long rows stay locked. */
const bulkChunk = 1000;

/**
 * Retries every failed or unknown transfer the filter matches, oldest first, up to `limit` and after `after`,
 * in chunks of rows locked, requeued and recorded together. Rows another retry holds are skipped, not waited
 * for. `dryRun` counts and changes nothing. Batches that go on from `next` never take a transfer twice,
 * even one that failed again meanwhile.
 */
export async function retryMatching(
  db: Database,
  queues: DeliveryQueues,
  requester: Requester,
  filter: TransferFilter,
  options: { dryRun: boolean; limit?: number; after?: TransferCursor },
): Promise<BulkRetry> {
  const params: unknown[] = [filter.status ? [filter.status] : retryableStatuses];
  const where = `status = any($1) and ${whereOf({ ...filter, status: undefined }, params)}`;
  const [{ n }] = await db.query<{ n: string }>(`select count(*) as n from transfers where ${where}`, params);
  const matched = Number(n);
  if (options.dryRun) return { matched, retried: 0, next: null };
  const wanted = Math.min(matched, options.limit ?? matched);
  let retried = 0;
  let next = options.after ?? null;
  while (retried < wanted) {
    const chunk = await db.transaction(async (tx) => {
      const chunkParams = [...params, next?.createdAt ?? '-infinity', next?.id ?? '00000000-0000-0000-0000-000000000000'];
      const rows = await tx.query<{ id: string; supplier: string; created_at_text: string }>(
        `select id, supplier, created_at::text as created_at_text from transfers
         where ${where} and (created_at, id) > ($${params.length + 1}::timestamptz, $${params.length + 2}::uuid)
         order by created_at, id limit ${Math.min(bulkChunk, wanted - retried)} for update skip locked`,
        chunkParams,
      );
      for (const [supplier, ids] of bySupplier(rows)) await removeJobs(queues, supplier, ids);
      await requeue(tx, requester, rows.map((row) => row.id), filter);
      return rows;
    });
    if (chunk.length === 0) break;
    await enqueueQuietly(queues, chunk);
    retried += chunk.length;
    const last = chunk.at(-1)!;
    next = { createdAt: last.created_at_text, id: last.id };
  }
  return { matched, retried, next };
}

/**
 * Cancels a queued or failed transfer: it will not be delivered, its sealed payload is destroyed (nothing
 * is kept for a share that will not happen), its job is removed, and the shares log records who cancelled
 * it. A transfer whose earlier attempts left something at the supplier gets a job that only removes that.
 */
export async function cancelTransfer(db: Database, queues: DeliveryQueues, agreements: Map<string, Agreement>, requester: Requester, id: string): Promise<TransferRecord> {
  const cancelled = await db.transaction(async (tx) => {
    const transfer = await lockTransfer(tx, id);
    if (!cancellableStatuses.includes(transfer.status)) {
      throw problems.conflict(
        'not-cancellable',
        'Transfer not cancellable',
        `The transfer is ${transfer.status}; only queued and failed transfers can be cancelled${transfer.status === 'unknown' ? ' (the supplier may hold an unknown one: retry it to find out)' : ''}.`,
      );
    }
    await cancelLocked(tx, queues, agreements, transfer, { apiKeyId: requester.apiKeyId });
    await tx.query(`insert into ops_actions (api_key_id, api_key_name, action, transfer_id) values ($1, $2, 'cancel', $3)`, [requester.apiKeyId, requester.apiKeyName, transfer.id]);
    return transfer;
  });
  if (Object.keys(cancelled.deliveryState).length > 0) await enqueueQuietly(queues, [cancelled]);
  return (await findTransfer(db, id))!;
}

/** Why a transfer is cancelled: an ops key asked, or the subject's erasure (which the key started). */
export interface CancelCause {
  apiKeyId: string;
  erasureId?: string;
}

/**
 * Cancels the subject's queued and failed transfers (rows the caller's transaction locks) for its erasure:
 * as `cancelTransfer` does, and with `gateway.payload_erased` as their last error. What earlier attempts
 * left at a supplier is left to the erasure's supplier step. Answers the transfers cancelled.
 */
export async function cancelForErasure(tx: Queryable, queues: DeliveryQueues, agreements: Map<string, Agreement>, subjectHash: string, cause: Required<CancelCause>): Promise<TransferRecord[]> {
  const rows = await tx.query<Record<string, unknown>>(`select ${transferColumns} from transfers where subject_hash = $1 and status = any($2) order by created_at, id for update`, [subjectHash, cancellableStatuses]);
  const transfers = rows.map(toRecord);
  for (const transfer of transfers) await cancelLocked(tx, queues, agreements, transfer, cause);
  await tx.query(`update transfers set last_error_code = 'gateway.payload_erased', last_error_detail = $2, last_error_at = now() where id = any($1)`, [
    transfers.map((transfer) => transfer.id),
    'The subject was erased before the transfer was delivered: it will not be.',
  ]);
  return transfers;
}

/** The cancel itself, on a row the caller's transaction has locked and found cancellable. */
async function cancelLocked(tx: Queryable, queues: DeliveryQueues, agreements: Map<string, Agreement>, transfer: TransferRecord, cause: CancelCause): Promise<void> {
  await tx.query(
    `update transfers set status = 'cancelled', wrapped_key = null, sealed_payload = null, next_attempt_at = null, updated_at = now() where id = $1`,
    [transfer.id],
  );
  await appendShares(tx, [
    {
      event: 'transfer.cancelled',
      transferId: transfer.id,
      supplier: transfer.supplier,
      recipient: agreements.get(transfer.supplier)?.legalName ?? transfer.supplier,
      operation: transfer.operation,
      subject: transfer.subjectHash,
      previousStatus: transfer.status,
      ...cause,
    },
  ]);
  await removeJobs(queues, transfer.supplier, [transfer.id]);
}

async function lockTransfer(tx: Queryable, id: string): Promise<TransferRecord> {
  const transfer = await findTransfer(tx, id, { forUpdate: true });
  if (!transfer) throw problems.notFound('No transfer with that id.');
  return transfer;
}

/** Removes jobs inside the caller's transaction: should Redis fail, the change rolls back and the caller gets a 503. */
async function removeJobs(queues: DeliveryQueues, supplier: string, ids: string[]): Promise<void> {
  try {
    await queues.removeJobs(supplier, ids);
  } catch {
    throw problems.unavailable('Redis');
  }
}

/** Marks transfers queued again and records who asked (and, for a bulk retry, with which filter). */
async function requeue(tx: Queryable, requester: Requester, ids: string[], filter: TransferFilter | null): Promise<void> {
  await tx.query(`update transfers set status = 'queued', next_attempt_at = null, updated_at = now() where id = any($1)`, [ids]);
  await tx.query(
    `insert into ops_actions (api_key_id, api_key_name, action, transfer_id, filter) select $1, $2, 'retry', id, $4 from unnest($3::uuid[]) as id`,
    [requester.apiKeyId, requester.apiKeyName, ids, filter && JSON.stringify(filter)],
  );
}

/** Adds the jobs; should Redis fail now, the rows are queued and the stranded sweep adds them later. */
async function enqueueQuietly(queues: DeliveryQueues, transfers: { id: string; supplier: string }[]): Promise<void> {
  await queues.enqueue(transfers).catch(() => undefined);
}

function bySupplier(rows: { id: string; supplier: string }[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const row of rows) groups.set(row.supplier, [...(groups.get(row.supplier) ?? []), row.id]);
  return groups;
}
