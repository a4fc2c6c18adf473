import type { RecordErasure, SubjectRecord } from '../connector-kit';
import type { ErasureEvent } from '../shares/events';
import { appendShares } from '../shares/share-log';
import type { Database, Queryable } from '../store';
import type { RecipientStatus } from './erasure-statement';

/** A supplier an erasure asks, as the erasure job finds it. */
export interface ErasureRecipient {
  erasureId: string;
  subjectHash: string;
  supplier: string;
  recipient: string;
  status: RecipientStatus;
}

/** What the supplier step ends in for one recipient. */
export interface RecipientOutcome {
  status: Extract<RecipientStatus, 'completed' | 'retained' | 'sent' | 'not_found' | 'failed'>;
  reason: string;
  records: RecordErasure[];
}

const finalStatuses: RecipientStatus[] = ['completed', 'retained', 'sent', 'not_found', 'failed'];

/** The recipient, or null when there is none or it has its answer already (a job run twice). */
export async function recipientToAsk(db: Queryable, erasureId: string, supplier: string): Promise<ErasureRecipient | null> {
  const [row] = await db.query<ErasureRecipient>(
    `select r.erasure_id as "erasureId", e.subject_hash as "subjectHash", r.supplier, r.recipient, r.status
     from erasure_recipients r join erasures e on e.id = r.erasure_id where r.erasure_id = $1 and r.supplier = $2`,
    [erasureId, supplier],
  );
  return row && !finalStatuses.includes(row.status) ? row : null;
}

/** How many of the subject's transfers to the supplier are in delivery now: the supplier step waits for them to end. */
export async function deliveriesUnderway(db: Queryable, { subjectHash, supplier }: ErasureRecipient): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`select count(*) as n from transfers where subject_hash = $1 and supplier = $2 and status = 'delivering'`, [subjectHash, supplier]);
  return Number(n);
}

/** Says on the statement why the recipient still waits. */
export async function noteWaiting(db: Queryable, { erasureId, supplier }: ErasureRecipient, reason: string): Promise<void> {
  await db.query('update erasure_recipients set reason = $3, updated_at = now() where erasure_id = $1 and supplier = $2', [erasureId, supplier, reason]);
}

/**
 * What the subject's transfers left at the supplier: each transfer with a `delivery.attempted` entry (an
 * unknown outcome counts as disclosed), with what its attempts recorded.
 */
export async function recordsToErase(db: Queryable, { subjectHash, supplier }: ErasureRecipient): Promise<SubjectRecord[]> {
  const rows = await db.query<{ id: string; operation: string; supplier_reference: string | null; delivery_state: Record<string, string> }>(
    `select t.id, t.operation, t.supplier_reference, t.delivery_state from transfers t
     where t.subject_hash = $1 and t.supplier = $2
       and exists (select 1 from share_log s where s.entry ->> 'transferId' = t.id::text and s.entry ->> 'event' = 'delivery.attempted')
     order by t.created_at, t.id`,
    [subjectHash, supplier],
  );
  return rows.map((row) => ({ transferId: row.id, operation: row.operation, supplierReference: row.supplier_reference, state: row.delivery_state }));
}

/** Marks the recipient asked, with the shares-log entry written before anything is sent. Answers the entry. */
export async function markAsked(db: Database, recipient: ErasureRecipient, records: SubjectRecord[]): Promise<ErasureEvent> {
  return db.transaction(async (tx) => {
    const [{ attempts }] = await tx.query<{ attempts: number }>(
      `update erasure_recipients set status = 'asking', attempts = attempts + 1, reason = 'Asked; waiting for the supplier''s answer.', updated_at = now()
       where erasure_id = $1 and supplier = $2 returning attempts`,
      [recipient.erasureId, recipient.supplier],
    );
    const asked: ErasureEvent = { event: 'erasure.supplier_asked', ...entryContext(recipient), transferIds: records.map((record) => record.transferId), attempt: attempts };
    await appendShares(tx, [asked]);
    return asked;
  });
}

/**
 * Records the recipient's outcome and its shares-log entry; the last recipient to settle completes the
 * erasure (the erasure row is locked, so two settling at once cannot both miss it), which lets intake take
 * the subject's transfers again. Answers the entries appended.
 */
export async function recordOutcome(db: Database, recipient: ErasureRecipient, outcome: RecipientOutcome): Promise<ErasureEvent[]> {
  return db.transaction(async (tx) => {
    await tx.query('select id from erasures where id = $1 for update', [recipient.erasureId]);
    await tx.query('update erasure_recipients set status = $3, reason = $4, records = $5, updated_at = now() where erasure_id = $1 and supplier = $2', [
      recipient.erasureId,
      recipient.supplier,
      outcome.status,
      outcome.reason,
      JSON.stringify(outcome.records),
    ]);
    const answered: ErasureEvent = {
      event: 'erasure.supplier_answered',
      ...entryContext(recipient),
      status: outcome.status,
      reason: outcome.reason,
      records: outcome.records.map(({ transferId, status }) => ({ transferId, status })),
    };
    const completed = await tx.query(
      `update erasures set status = 'completed', completed_at = now() where id = $1 and status = 'running'
         and not exists (select 1 from erasure_recipients where erasure_id = $1 and status in ('queued', 'asking'))
       returning id`,
      [recipient.erasureId],
    );
    const events: ErasureEvent[] = [answered, ...(completed.length ? [{ event: 'erasure.completed' as const, erasureId: recipient.erasureId, subject: recipient.subjectHash }] : [])];
    await appendShares(tx, events);
    return events;
  });
}

/**
 * One status for the supplier from its answers per record: `retained` when it keeps any (something stays, and
 * the subject is told why), else `sent` when it was asked to erase any and answers outside the gateway, else
 * `completed` when it erased any, else `not_found`. The reason gathers the answers' own reasons for that status.
 */
export function summarise(answers: RecordErasure[]): RecipientOutcome {
  const status = (['retained', 'sent', 'completed'] as const).find((wanted) => answers.some((answer) => answer.status === wanted)) ?? 'not_found';
  const reasons = [...new Set(answers.filter((answer) => answer.status === status).map((answer) => answer.reason))];
  return { status, reason: reasons.length ? reasons.join(' ') : 'Nothing of the subject reached the supplier: no attempt sent its data.', records: answers };
}

/** The recipients left waiting for a while, whose job Redis may have lost (a failed enqueue, an emptied Redis). */
export async function waitingRecipients(db: Queryable, olderThanMs: number): Promise<{ erasureId: string; supplier: string }[]> {
  return db.query(
    `select erasure_id as "erasureId", supplier from erasure_recipients where status in ('queued', 'asking') and updated_at < now() - make_interval(secs => $1) limit 1000`,
    [olderThanMs / 1000],
  );
}

function entryContext({ erasureId, subjectHash, supplier, recipient }: ErasureRecipient) {
  return { erasureId, subject: subjectHash, supplier, recipient };
}
