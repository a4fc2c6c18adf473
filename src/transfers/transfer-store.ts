import type { DeliveryState } from '../connector-kit';
import type { Change } from '../shares/share-log';
import type { Queryable } from '../store';

export type TransferStatus = 'queued' | 'delivering' | 'delivered' | 'failed' | 'cancelled' | 'unknown';

/** What a transfer is, as intake writes it and every share entry repeats it: who receives what, why, on which terms. */
export interface TransferTerms {
  supplier: string;
  operation: string;
  schemaId: string;
  agreementReference: string;
  subjectHash: string;
  purpose: string;
  basisType: string;
  basisReference: string | null;
  fieldsShared: string[];
  fieldsWithheld: string[];
  categories: string[];
}

export interface TransferRecord extends TransferTerms {
  id: string;
  apiKeyId: string;
  wrappedKey: Buffer | null;
  sealedPayload: Buffer | null;
  status: TransferStatus;
  attempts: number;
  lastErrorCode: string | null;
  lastErrorDetail: string | null;
  lastErrorAt: Date | null;
  /** When the next attempt is due, while one is scheduled. */
  nextAttemptAt: Date | null;
  supplierReference: string | null;
  deliveryState: DeliveryState;
  createdAt: Date;
  updatedAt: Date;
}

/** What API callers see of a transfer: no personal data, no sealed bytes. */
export function transferView(record: TransferRecord) {
  return {
    id: record.id,
    status: record.status,
    supplier: record.supplier,
    operation: record.operation,
    attempts: record.attempts,
    nextAttemptAt: record.nextAttemptAt?.toISOString() ?? null,
    lastError: record.lastErrorCode ? { code: record.lastErrorCode, detail: record.lastErrorDetail, at: record.lastErrorAt?.toISOString() ?? null } : null,
    supplierReference: record.supplierReference,
    fieldsShared: record.fieldsShared,
    fieldsWithheld: record.fieldsWithheld,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export const transferColumns = `id, api_key_id, supplier, operation, schema_id, agreement_reference, subject_hash, purpose, basis_type,
  basis_reference, fields_shared, fields_withheld, categories, wrapped_key, sealed_payload, status, attempts, last_error_code, last_error_detail,
  last_error_at, next_attempt_at, supplier_reference, delivery_state, created_at, updated_at`;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The transfer, or null; `forUpdate` locks its row until the caller's transaction ends. */
export async function findTransfer(db: Queryable, id: string, { forUpdate = false } = {}): Promise<TransferRecord | null> {
  if (!uuidPattern.test(id)) return null;
  const [row] = await db.query<Record<string, unknown>>(`select ${transferColumns} from transfers where id = $1${forUpdate ? ' for update' : ''}`, [id]);
  return row ? toRecord(row) : null;
}

/**
 * Starts an attempt and returns its number, or undefined when the transfer no longer waits for delivery
 * (cancelled or erased since the worker read it): then nothing may be sent.
 */
export async function markDelivering(tx: Queryable, id: string): Promise<number | undefined> {
  const [row] = await tx.query<{ attempts: number }>(
    `update transfers set status = 'delivering', attempts = attempts + 1, next_attempt_at = null, updated_at = now()
     where id = $1 and status in ('queued', 'delivering') and wrapped_key is not null returning attempts`,
    [id],
  );
  return row?.attempts;
}

/** The change that marks a transfer delivered, to be made with its `delivery.succeeded` entry (`appendShares`). */
export function deliveredChange(id: string, supplierReference: string): Change {
  return {
    sql: `update transfers set status = 'delivered', supplier_reference = $2, last_error_code = null, last_error_detail = null, next_attempt_at = null, updated_at = now() where id = $1`,
    params: [id, supplierReference],
  };
}

/** What the connector created at the supplier so far, for the next attempt. */
export async function recordDeliveryState(db: Queryable, id: string, state: DeliveryState): Promise<void> {
  await db.query('update transfers set delivery_state = $2 where id = $1', [id, JSON.stringify(state)]);
}

/**
 * Records an attempt's error; `status` is queued while retries remain, else failed (or unknown when the outcome is).
 * `nextAttemptAt` is when the retry is due, if one is scheduled.
 */
export async function markError(tx: Queryable, id: string, status: TransferStatus, code: string, detail: string, nextAttemptAt: Date | null = null): Promise<void> {
  await tx.query(
    `update transfers set status = $2, last_error_code = $3, last_error_detail = $4, last_error_at = now(), next_attempt_at = $5, updated_at = now() where id = $1`,
    [id, status, code, detail, nextAttemptAt],
  );
}

export interface StrandedTransfer {
  id: string;
  supplier: string;
  updatedAt: Date;
}

/**
 * Transfers waiting for delivery, untouched for `olderThanMs`, in (updated_at, id) order after `after`: those that
 * may have lost their job. One waiting for a scheduled retry counts once that retry is as overdue: through a long
 * outage the sweep does not check every waiting transfer each time.
 */
export async function strandedTransfers(db: Queryable, olderThanMs: number, after: StrandedTransfer | undefined, limit: number): Promise<StrandedTransfer[]> {
  const rows = await db.query<{ id: string; supplier: string; updated_at: Date }>(
    `select id, supplier, updated_at from transfers
     where status = 'queued' and updated_at < now() - make_interval(secs => $1) and (updated_at, id) > ($2::timestamptz, $3::uuid)
       and (next_attempt_at is null or next_attempt_at < now() - make_interval(secs => $1))
     order by updated_at, id limit $4`,
    [olderThanMs / 1000, after?.updatedAt ?? new Date(0), after?.id ?? '00000000-0000-0000-0000-000000000000', limit],
  );
  return rows.map((row) => ({ id: row.id, supplier: row.supplier, updatedAt: new Date(row.updated_at) }));
}

export function toRecord(row: Record<string, unknown>): TransferRecord {
  return {
    id: row.id as string,
    apiKeyId: row.api_key_id as string,
    supplier: row.supplier as string,
    operation: row.operation as string,
    schemaId: row.schema_id as string,
    agreementReference: row.agreement_reference as string,
    subjectHash: row.subject_hash as string,
    purpose: row.purpose as string,
    basisType: row.basis_type as string,
    basisReference: row.basis_reference as string | null,
    fieldsShared: row.fields_shared as string[],
    fieldsWithheld: row.fields_withheld as string[],
    categories: row.categories as string[],
    wrappedKey: row.wrapped_key ? Buffer.from(row.wrapped_key as Uint8Array) : null,
    sealedPayload: row.sealed_payload ? Buffer.from(row.sealed_payload as Uint8Array) : null,
    status: row.status as TransferStatus,
    attempts: Number(row.attempts),
    lastErrorCode: row.last_error_code as string | null,
    lastErrorDetail: row.last_error_detail as string | null,
    lastErrorAt: row.last_error_at ? new Date(row.last_error_at as string) : null,
    nextAttemptAt: row.next_attempt_at ? new Date(row.next_attempt_at as string) : null,
    supplierReference: row.supplier_reference as string | null,
    deliveryState: row.delivery_state as DeliveryState,
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
  };
}
