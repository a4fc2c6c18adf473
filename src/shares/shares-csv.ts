import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { DeliveryEncryption } from '../connector-kit';
import type { LoggedShare } from './share-log';

/**
 * The columns of the shares log as CSV, in a fixed order: every field of every event (docs/shares-log.md),
 * empty where an event has none. Lists (field pointers, categories) are separated by spaces, which neither
 * holds.
 */
const columns = [
  'seq', 'at', 'event', 'supplier', 'recipient', 'operation', 'transferId', 'subject', 'purpose', 'basisType', 'basisReference',
  'agreementReference', 'schemaId', 'fieldsShared', 'fieldsWithheld', 'categories', 'attempt', 'supplierReference', 'sentDigest',
  'encryptionScheme', 'recipientKeyFingerprint', 'signingKeyFingerprint', 'confirmedBy', 'errorCode', 'retryable', 'outcomeUnknown', 'previousStatus', 'reason', 'apiKeyId', 'v', 'hash',
] as const;

type Row = Partial<Record<(typeof columns)[number], unknown>>;

function row(entry: LoggedShare): Row {
  const { basis, encryption, ...fields } = entry as LoggedShare & { basis?: { type: string; reference: string | null }; encryption?: DeliveryEncryption | null };
  const flat: Row = {
    ...fields,
    basisType: basis?.type,
    basisReference: basis?.reference,
    encryptionScheme: encryption?.scheme,
    recipientKeyFingerprint: encryption?.recipientKeyFingerprint,
    signingKeyFingerprint: encryption?.signingKeyFingerprint,
  };
  for (const list of ['fieldsShared', 'fieldsWithheld', 'categories'] as const) if (Array.isArray(flat[list])) flat[list] = (flat[list] as string[]).join(' ');
  return flat;
}

/**
 * Writes entries to `out` as RFC 4180 CSV, one at a time as they come: a header line, CRLF line ends, a field
 * quoted when it holds a comma, a quote (doubled) or a line break. A field a spreadsheet would run as a
 * formula (=, +, -, @ first) gets a leading apostrophe: a basis reference is the customer's own text.
 */
export function writeSharesCsv(entries: AsyncIterable<LoggedShare>, out: Writable): Promise<void> {
  const csv = stringify({
    header: true,
    columns: [...columns],
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    escape_formulas: true,
    cast: { boolean: (value) => String(value) },
  });
  return pipeline(entries, async function* (source: AsyncIterable<LoggedShare>) {
    for await (const entry of source) yield row(entry);
  }, csv, out);
}
