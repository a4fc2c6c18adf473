import { randomUUID } from 'node:crypto';
import type { Agreement } from '../agreements/agreements';
import type { GatewayMetrics } from '../metrics';
import { Problem } from '../problem';
import type { DeliveryQueues } from '../queue/queues';
import type { ErasureQueues } from '../queue/erasure-queues';
import type { Reader } from '../shares/consultations';
import type { ShareEvent } from '../shares/events';
import { appendShares } from '../shares/share-log';
import type { Database, Queryable } from '../store';
import { cancelForErasure } from '../transfers/operations';
import { recordOutcome } from './erasure-recipients';

/** The grounds of GDPR Art. 17(1), (a) to (f), on which a subject may have its data erased. */
export const erasureReasons = ['no_longer_necessary', 'consent_withdrawn', 'objection', 'unlawful_processing', 'legal_obligation', 'child_information_society'] as const;
export type ErasureReason = (typeof erasureReasons)[number];

export interface ErasureRequest {
  /** The subject's request as privacy staff file it: a ticket or letter reference. */
  reference: string;
  reason: ErasureReason;
}

export interface ErasureDependencies {
  db: Database;
  queues: DeliveryQueues;
  erasureQueues: ErasureQueues;
  agreements: Map<string, Agreement>;
  metrics: GatewayMetrics;
}

/** The lock intake takes shared and an erasure exclusively (migration 006): no transfer of the subject slips in while its keys are destroyed. */
const subjectLock = (subjectHash: string) => `sgw:subject:${subjectHash}`;

/**
 * The local step of an erasure, in one transaction under the subject's lock: the subject's queued and failed
 * transfers are cancelled and their jobs removed; every data key of the subject is destroyed (the sealed bytes
 * of delivered transfers stay, unreadable); each supplier that received the subject's data (a
 * `delivery.attempted` entry: an unknown outcome counts as disclosed), or is receiving it now, gets a recipient
 * row; the shares log records each step. Once committed, nothing of the subject can leave: a worker starts no
 * attempt on a row without its key. Then each recipient's erasure job is queued. Answers the erasure's id.
 */
export async function startErasure(deps: ErasureDependencies, requester: Reader, subjectHash: string, request: ErasureRequest): Promise<string> {
  const { db, queues, erasureQueues, agreements, metrics } = deps;
  const id = randomUUID();
  const context = { erasureId: id, subject: subjectHash };
  const { events, suppliers } = await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [subjectLock(subjectHash)]);
    const [running] = await tx.query<{ id: string }>(`select id from erasures where subject_hash = $1 and status = 'running'`, [subjectHash]);
    if (running) throw erasureRunning(running.id);
    const requested: ShareEvent = { event: 'erasure.requested', ...context, reference: request.reference, reason: request.reason, apiKeyId: requester.apiKeyId };
    await appendShares(tx, [requested]);
    const cancelled = await cancelForErasure(tx, queues, agreements, subjectHash, { apiKeyId: requester.apiKeyId, erasureId: id });
    const shredded = await tx.query<{ id: string }>('update transfers set wrapped_key = null, updated_at = now() where subject_hash = $1 and wrapped_key is not null returning id', [subjectHash]);
    const keysDestroyed: ShareEvent = {
      event: 'erasure.keys_destroyed',
      ...context,
      transferIds: [...cancelled.map((transfer) => transfer.id), ...shredded.map((row) => row.id)].sort(),
      cancelledTransferIds: cancelled.map((transfer) => transfer.id),
    };
    await appendShares(tx, [keysDestroyed]);
    const recipients = await recipientsOf(tx, subjectHash);
    const completed = recipients.length === 0;
    await tx.query(
      `insert into erasures (id, subject_hash, reference, reason, api_key_id, api_key_name, status, payloads_erased, transfers_cancelled, completed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, case when $7 = 'completed' then now() end)`,
      [id, subjectHash, request.reference, request.reason, requester.apiKeyId, requester.apiKeyName, completed ? 'completed' : 'running', keysDestroyed.transferIds.length, cancelled.length],
    );
    await tx.query(
      `insert into erasure_recipients (erasure_id, supplier, recipient, status, reason)
       select $1, supplier, recipient, 'queued', 'Waiting for its turn in the supplier''s erasure queue.' from unnest($2::text[], $3::text[]) as r (supplier, recipient)`,
      [id, recipients, recipients.map((supplier) => agreements.get(supplier)?.legalName ?? supplier)],
    );
    const finished: ShareEvent[] = completed ? [{ event: 'erasure.completed', ...context }] : [];
    await appendShares(tx, finished);
    return { events: [requested, ...cancelled.map(() => 'transfer.cancelled' as const), keysDestroyed, ...finished], suppliers: recipients };
  });
  for (const event of events) metrics.shareLogged(typeof event === 'string' ? event : event.event);
  // A supplier no longer in the suppliers file has no connector here and no worker to ask it: the recipient fails
  // at once, saying so, rather than keep the erasure (and intake for the subject) waiting for ever.
  const unreachable = suppliers.filter((supplier) => !agreements.has(supplier));
  for (const supplier of unreachable) {
    const recipient = { erasureId: id, subjectHash, supplier, recipient: supplier, status: 'queued' as const };
    const reason = `The gateway has no connector for ${supplier} any more (it is not in the suppliers file), so it could not ask it to erase: ask the supplier directly.`;
    for (const event of await recordOutcome(db, recipient, { status: 'failed', reason, records: [] })) metrics.shareLogged(event.event);
  }
  // Should Redis fail now, the recipients wait in PostgreSQL and the workers' sweep queues their jobs.
  await erasureQueues.enqueue(id, suppliers.filter((supplier) => agreements.has(supplier))).catch(() => undefined);
  return id;
}

/**
 * The suppliers that hold, or may hold, the subject's data: those with a `delivery.attempted` entry for one of
 * its transfers, and those with a transfer in delivery right now (its worker unsealed the payload before the
 * key was destroyed; the supplier step waits for it to end).
 */
async function recipientsOf(tx: Queryable, subjectHash: string): Promise<string[]> {
  const rows = await tx.query<{ supplier: string }>(
    `select distinct t.supplier from transfers t
     where t.subject_hash = $1
       and (t.status = 'delivering' or exists (
         select 1 from share_log s where s.entry ->> 'transferId' = t.id::text and s.entry ->> 'event' = 'delivery.attempted'))
     order by t.supplier`,
    [subjectHash],
  );
  return rows.map((row) => row.supplier);
}

/** 409 naming the running erasure, whose statement the caller can follow instead. */
function erasureRunning(id: string): Problem {
  return new Problem(409, 'erasure-running', 'Erasure running', 'An erasure of this subject is running: follow its statement (Location) until it has finished.', undefined, {
    location: `/v1/erasures/${id}`,
  });
}
