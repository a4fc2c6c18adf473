import { unsealPayload } from '../crypto/sealing';
import { eachShare } from '../shares/share-log';
import type { Queryable } from '../store';
import { toRecord, transferColumns } from '../transfers/transfer-store';

/** A transfer that started sending, with the values that left for the supplier, or none once its data key is destroyed. */
export interface SentTransfer {
  transferId: string;
  supplier: string;
  operation: string;
  purpose: string;
  /** Its shares-log entries: each attempt, its outcome, a cancellation. */
  shareEntries: { seq: number; event: string; at: string }[];
  /** Its data key was destroyed (the subject was erased, or the transfer cancelled): the values cannot be read, by us either. */
  erased: boolean;
  /** Exactly what the connector was given: the minimised payload, fields the agreement does not allow already withheld. */
  data: unknown;
}

/** A transfer no attempt has started: nothing of it left, so no values are shown. */
export interface UnsentTransfer {
  transferId: string;
  supplier: string;
  operation: string;
  status: string;
  createdAt: string;
}

/** GDPR Art. 15(3): a copy of the data sent to suppliers about one subject. */
export interface SubjectExport {
  sent: SentTransfer[];
  notSent: UnsentTransfer[];
}

/**
 * The subject's transfers, oldest first, each sent one with its payload unsealed. A transfer counts as sent
 * once a delivery entry names it (the entry is written before any byte leaves), as the disclosures do.
 */
export async function subjectExport(db: Queryable, masterKey: Buffer, subjectHash: string): Promise<SubjectExport> {
  const entries = new Map<string, SentTransfer['shareEntries']>();
  const attempted = new Set<string>();
  for await (const entry of eachShare(db, { subjectHash })) {
    if (!('transferId' in entry)) continue;
    if (entry.event.startsWith('delivery.')) attempted.add(entry.transferId);
    const ofTransfer = entries.get(entry.transferId) ?? [];
    ofTransfer.push({ seq: entry.seq, event: entry.event, at: entry.at });
    entries.set(entry.transferId, ofTransfer);
  }
  const rows = await db.query(`select ${transferColumns} from transfers where subject_hash = $1 order by created_at, id`, [subjectHash]);
  const result: SubjectExport = { sent: [], notSent: [] };
  for (const transfer of rows.map(toRecord)) {
    const { id: transferId, supplier, operation, wrappedKey, sealedPayload } = transfer;
    if (!attempted.has(transferId)) {
      result.notSent.push({ transferId, supplier, operation, status: transfer.status, createdAt: transfer.createdAt.toISOString() });
      continue;
    }
    const data = wrappedKey && sealedPayload ? JSON.parse(unsealPayload(masterKey, transferId, { wrappedKey, sealedPayload }).toString('utf8')) : null;
    result.sent.push({ transferId, supplier, operation, purpose: transfer.purpose, shareEntries: entries.get(transferId)!, erased: data === null, data });
  }
  return result;
}
