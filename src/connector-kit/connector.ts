import type { JSONSchemaType } from 'ajv';
import type { Logger } from './logger';

/** What a connector tells the gateway about itself. */
export interface ConnectorDefinition<Config> {
  /** Registry id, used as `connector` in the suppliers file. */
  id: string;
  displayName: string;
  /** Operation name → `$id` of the agreed request schema the payload was validated against. */
  operations: Record<string, string>;
  /** JSON Schema of the connector's `config` block in the suppliers file (secrets already resolved). */
  configSchema: JSONSchemaType<Config> | Record<string, unknown>;
  /** Builds a connector from validated config. */
  create(config: Config): Connector;
}

/**
 * What a connector keeps of one transfer's delivery between attempts: the supplier's identifiers of what
 * an attempt created there (a contact handle, say), never a personal value. Stored with the transfer.
 */
export type DeliveryState = Record<string, string>;

export interface DeliveryContext {
  signal: AbortSignal;
  transferId: string;
  log: Logger;
  /** What attempts of this transfer recorded through `recordState` so far; empty on the first. */
  state: DeliveryState;
  /**
   * Stores `state` with the transfer before the connector goes on, then makes it `ctx.state`: an attempt
   * that created something at the supplier records it at once, so the next attempt (after a crash or a
   * lost answer) reuses it instead of creating a second copy of the subject's data there. `state` replaces
   * what was recorded before, so pass all of it (`{ ...ctx.state, handle }`).
   */
  recordState(state: DeliveryState): Promise<void>;
}

/** How a file was protected: the scheme, the key it was encrypted to and the key that signed it (hex fingerprints). */
export interface DeliveryEncryption {
  scheme: string;
  recipientKeyFingerprint: string;
  signingKeyFingerprint: string;
}

export interface DeliveryResult {
  /** The supplier's own id for what was created (domain id, file name). */
  supplierReference: string;
  /** Hex SHA-256 of the bytes that carried personal data to the supplier. */
  sentDigest: string;
  /** For file suppliers: how the file was encrypted and signed. */
  encryption?: DeliveryEncryption;
}

/**
 * What one transfer left at the supplier, for erasure: the gateway's record of it, never a personal value.
 * The connector finds the subject's data there from it (Openprovider: the customer handle in `state`).
 */
export interface SubjectRecord {
  transferId: string;
  operation: string;
  /** The supplier's id of what the delivery made (a domain id), or null when no delivery was confirmed. */
  supplierReference: string | null;
  /** What the transfer's attempts recorded through `recordState`; empty when they recorded nothing. */
  state: DeliveryState;
}

/**
 * The supplier's answer about one record: `completed` (erased), `retained` (the supplier keeps it, for the
 * reason given: a legal duty, a standing contract), `sent` (the request reached a supplier that acts on it
 * outside the gateway and confirms to the company directly, such as a file drop) or `not_found` (nothing of it
 * is there, or not any more).
 */
export interface RecordErasure {
  transferId: string;
  status: 'completed' | 'retained' | 'sent' | 'not_found';
  /** Why, in fixed text and numbers (never a personal value); for `retained` the supplier's own reason. */
  reason: string;
}

/** What `erase` gets besides the records: no transfer, no state to record. */
export interface ErasureContext {
  signal: AbortSignal;
  erasureId: string;
  log: Logger;
}

export interface Connector {
  /** Credentials and connectivity; throws a connector-kit error when they fail. */
  check(signal?: AbortSignal): Promise<void>;
  /** Sends the minimised, validated payload. */
  deliver(operation: string, payload: unknown, ctx: DeliveryContext): Promise<DeliveryResult>;
  /** Did an earlier attempt of this payload land? Returns its result, or null when it did not. */
  lookup(operation: string, payload: unknown, ctx: DeliveryContext): Promise<Pick<DeliveryResult, 'supplierReference'> | null>;
  /**
   * Removes what earlier attempts created at the supplier (`ctx.state`) for a transfer that will not be
   * delivered (failed for good, or cancelled), so no copy of the subject's data stays there for nothing.
   * Removing what is already gone is not an error.
   */
  discard(operation: string, ctx: DeliveryContext): Promise<void>;
  /**
   * Asks the supplier to erase what it holds of a subject, one answer per record, in the records' order. A
   * refusal the supplier explains (a legal duty to keep the data) is `retained` with that reason, never an
   * error; failures to reach or understand the supplier throw connector-kit errors, and the gateway retries.
   * Erasing what is already gone is `not_found`.
   */
  erase(records: SubjectRecord[], ctx: ErasureContext): Promise<RecordErasure[]>;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}
