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

export interface DeliveryContext {
  signal: AbortSignal;
  transferId: string;
  log: Logger;
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
  /** Tells the supplier to erase what it received about a subject. */
  erase(records: SubjectRecord[], ctx: DeliveryContext): Promise<ErasureResult>;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}
