import type { RecordErasure } from '../connector-kit';
import type { Queryable } from '../store';

export type RecipientStatus = 'queued' | 'asking' | 'sent' | 'completed' | 'retained' | 'not_found' | 'failed';
export type RecordStatus = RecordErasure['status'];

/** A supplier's answer about one record it was asked to erase (a transfer's copy of the subject's data there). */
export interface RecordOutcome {
  transferId: string;
  status: RecordStatus;
  reason: string;
}

/** What the subject is told: what was erased here, what stays here and why, and what each recipient did. */
export interface ErasureStatement {
  id: string;
  status: 'running' | 'completed';
  reference: string;
  reason: string;
  requestedAt: string;
  completedAt: string | null;
  erasedLocally: { payloadsErased: number; transfersCancelled: number; detail: string };
  retainedLocally: RetainedRecord[];
  recipients: {
    supplier: string;
    recipient: string;
    status: RecipientStatus;
    reason: string;
    attempts: number;
    updatedAt: string;
    records: RecordOutcome[];
  }[];
}

interface RetainedRecord {
  record: string;
  description: string;
  holdsPersonalValues: boolean;
  /** How many of them concern the subject. */
  count: number;
  legalGround: string;
  /** A date, or null when the record has no fixed end (keptFor says how long). */
  keepUntil: string | null;
  keptFor: string;
}

/**
 * The statement of erasure `id`, or null when there is none. It fills in as the supplier step goes on. The
 * agreements name no retention duty of ours, so the shares log is the one record that stays here.
 */
export async function readErasureStatement(db: Queryable, id: string): Promise<ErasureStatement | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return null;
  const [erasure] = await db.query<Record<string, unknown>>(
    `select e.*, (select count(*) from share_log s where s.entry ->> 'subject' = e.subject_hash) as entries from erasures e where e.id = $1`,
    [id],
  );
  if (!erasure) return null;
  const recipients = await db.query<Record<string, unknown>>('select * from erasure_recipients where erasure_id = $1 order by supplier', [id]);
  const payloadsErased = Number(erasure.payloads_erased);
  const transfersCancelled = Number(erasure.transfers_cancelled);
  return {
    id,
    status: erasure.status as ErasureStatement['status'],
    reference: erasure.reference as string,
    reason: erasure.reason as string,
    requestedAt: new Date(erasure.requested_at as string).toISOString(),
    completedAt: erasure.completed_at ? new Date(erasure.completed_at as string).toISOString() : null,
    erasedLocally: {
      payloadsErased,
      transfersCancelled,
      detail:
        `The data keys of ${payloadsErased} transfer(s) were destroyed: their sealed payloads, in the database and in any backup taken since, ` +
        `can no longer be opened. ${transfersCancelled} of them were not yet delivered and were cancelled: they will never be sent.`,
    },
    retainedLocally: [
      {
        record: 'shares_log',
        description:
          "The subject's entries in the shares log and the transfer records they name: when, to which recipient, for which purpose and on which " +
          'basis (the order or consent reference) data was shared, which fields and data categories, digests of what was sent, and the steps of this ' +
          'erasure. They name the subject only by a keyed hash and hold no personal value (no name, address, e-mail, phone number or domain name).',
        holdsPersonalValues: false,
        count: Number(erasure.entries),
        legalGround: 'GDPR Art. 5(2) (accountability) and Art. 30 (records of processing): the proof of what was shared, with whom and why, and of this erasure (Art. 17 and 19).',
        keepUntil: null,
        keptFor: 'As long as the shares log is kept: it is append-only and hash-chained, so removing an entry would break the proof of every later one.',
      },
    ],
    recipients: recipients.map((row) => ({
      supplier: row.supplier as string,
      recipient: row.recipient as string,
      status: row.status as RecipientStatus,
      reason: row.reason as string,
      attempts: Number(row.attempts),
      updatedAt: new Date(row.updated_at as string).toISOString(),
      records: row.records as RecordOutcome[],
    })),
  };
}
