import type { DeliveryEncryption } from '../connector-kit';

/** Share-log entries are typed, versioned events. They hold field names, categories, digests and a keyed subject hash: never a personal value. */
interface ShareContext {
  transferId: string;
  supplier: string;
  /** Legal name of the recipient, from the agreement. */
  recipient: string;
  operation: string;
  purpose: string;
  basis: { type: string; reference: string | null };
  /** HMAC-SHA-256 of the subject id under SGW_SUBJECT_HASH_KEY. */
  subject: string;
  agreementReference: string;
  schemaId: string;
  fieldsShared: string[];
  fieldsWithheld: string[];
  categories: string[];
  attempt: number;
}

export type ShareEvent =
  | ({ event: 'delivery.attempted' } & ShareContext)
  | ({ event: 'delivery.succeeded'; supplierReference: string; sentDigest: string | null; encryption: DeliveryEncryption | null; confirmedBy: 'delivery' | 'lookup' } & ShareContext)
  | ({ event: 'delivery.failed'; errorCode: string; retryable: boolean; outcomeUnknown: boolean } & ShareContext)
  | {
      /** An ops key cancelled a transfer that was queued or failed: it will not be delivered. */
      event: 'transfer.cancelled';
      transferId: string;
      supplier: string;
      recipient: string;
      operation: string;
      subject: string;
      previousStatus: string;
      apiKeyId: string;
      /** Set when the subject's erasure cancelled it. */
      erasureId?: string;
    }
  | {
      event: 'transfer.refused';
      supplier: string;
      operation: string;
      purpose: string;
      basis: { type: string; reference: string | null };
      subject: string;
      reason: string;
      apiKeyId: string;
    }
  | ErasureEvent;

/** What every erasure entry says: which erasure, of whom. */
interface ErasureContext {
  erasureId: string;
  subject: string;
}

/** A supplier asked to erase, or answering. */
interface ErasureRecipient extends ErasureContext {
  supplier: string;
  recipient: string;
}

/** The erasure steps (docs/shares-log.md). The subject's earlier entries stay: they are the proof of what was shared. */
export type ErasureEvent =
  | ({ event: 'erasure.requested'; reference: string; reason: string; apiKeyId: string } & ErasureContext)
  | ({ event: 'erasure.keys_destroyed'; transferIds: string[]; cancelledTransferIds: string[] } & ErasureContext)
  | ({ event: 'erasure.supplier_asked'; transferIds: string[]; attempt: number } & ErasureRecipient)
  | ({ event: 'erasure.supplier_answered'; status: string; reason: string; records: { transferId: string; status: string }[] } & ErasureRecipient)
  | ({ event: 'erasure.completed' } & ErasureContext);

/** What is stored and hashed: the event plus its schema version and time. */
export type ShareEntry = ShareEvent & { v: 1; at: string };
