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

export interface DeliveryResult {
  /** The supplier's own id for what was created (domain id, file name). */
  supplierReference: string;
  /** Hex SHA-256 of the bytes that carried personal data to the supplier. */
  sentDigest: string;
  /** For file suppliers: how the file was encrypted and signed. */
  encryption?: { scheme: string; keyFingerprint: string };
}

/** A record the supplier received, for erasure. */
export interface SubjectRecord {
  operation: string;
  supplierReference: string;
}

export interface ErasureResult {
  status: 'erased' | 'requested' | 'not_supported';
  detail: string;
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
  /** Tells the supplier to erase what it received about a subject. */
  erase(records: SubjectRecord[], ctx: DeliveryContext): Promise<ErasureResult>;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}
