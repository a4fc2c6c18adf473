import winston from 'winston';
import { ConfigError } from '../config/config-error';
import { ConnectorError, type Logger } from '../connector-kit';

/** How a field's value is checked: bounded text (a number or flag also passes), a number, a flag, a list of texts, an error. */
type FieldKind = 'text' | 'number' | 'flag' | 'list' | 'error';

/**
 * Everything a log line may carry besides its message. A field is here because its values are the
 * gateway's own ids, names, codes and measures, never a person's data; any other field is dropped (and
 * counted in `droppedFields`), so a value logged by mistake never reaches the log. A domain name is
 * personal data here: no field carries one.
 */
const allowedFields: Record<string, FieldKind> = {
  // ids the gateway gives out, and the names of suppliers, connectors and their operations
  transferId: 'text',
  apiKeyId: 'text',
  jobId: 'text',
  supplier: 'text',
  suppliers: 'list',
  connector: 'text',
  operation: 'text',
  /** A supplier API call by its label (`customers.create`), never its URL. */
  call: 'text',
  /** Which Redis connection (`producer`, `worker openprovider`). */
  connection: 'text',
  // outcomes
  code: 'text',
  opCode: 'number',
  reason: 'text',
  status: 'text',
  retryable: 'flag',
  outcomeUnknown: 'flag',
  /** How a delivery was confirmed: `delivery` or `lookup`. */
  confirmedBy: 'text',
  /** A supplier's circuit breaker: `closed`, `open` or `half_open`. */
  breaker: 'text',
  error: 'error',
  // counts and times
  count: 'number',
  attempt: 'number',
  attempts: 'number',
  durationMs: 'number',
  retryInMs: 'number',
  retryAfterMs: 'number',
  // HTTP: the route pattern, never the path (paths and query strings may carry ids of people)
  method: 'text',
  route: 'text',
  httpStatus: 'number',
  // fields of a payload, by name or JSON pointer, never their values
  field: 'text',
  pointer: 'text',
  fields: 'list',
  // the process and its settings
  role: 'text',
  /** The gateway's own address. */
  url: 'text',
  database: 'text',
  signal: 'text',
  setting: 'text',
  port: 'number',
};

const maxTextLength = 100;
const maxMessageLength = 200;
const maxListLength = 50;
const maxCauseDepth = 2;

function bounded(text: string, limit = maxTextLength): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** The value as the log may carry it, or undefined when it does not fit its field's kind. */
function allowedValue(kind: FieldKind, value: unknown): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'flag':
      return typeof value === 'boolean' ? value : undefined;
    case 'text':
      if (typeof value === 'string') return bounded(value);
      return typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) ? value : undefined;
    case 'list':
      return Array.isArray(value) ? value.slice(0, maxListLength).map((item) => allowedValue('text', item) ?? '[not-allowed]') : undefined;
    case 'error':
      return value instanceof Error ? describeError(value) : undefined;
  }
}

/**
 * An error by its name and code (errno, SQLSTATE, a connector's reason), never its message: PostgreSQL and
 * libraries echo values into messages. Only our own errors, whose messages are written to hold no
 * personal data, keep theirs.
 */
function describeError(error: Error, depth = 0): Record<string, unknown> {
  const described: Record<string, unknown> = { name: bounded(String(error.name)) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') described.code = typeof code === 'string' ? bounded(code) : code;
  if (error instanceof ConfigError || error instanceof ConnectorError) described.message = bounded(error.message, maxMessageLength);
  if (error.cause instanceof Error && depth < maxCauseDepth) described.cause = describeError(error.cause, depth + 1);
  return described;
}

const SPLAT = Symbol.for('splat');

const allowlist = winston.format((entry) => {
  // `log.error(error)`: the entry is the error itself, whose message is withheld like any error's.
  const info: winston.Logform.TransformableInfo = entry instanceof Error ? Object.assign({}, entry, { message: '', error: entry }) : entry;
  // `log.error(message, error)` appends the error's message to the line's: take it back off, keep the error as a field.
  const [meta] = (info[SPLAT] as unknown[] | undefined) ?? [];
  if (meta instanceof Error && typeof info.message === 'string' && meta.message && info.message.endsWith(` ${meta.message}`)) {
    info.message = info.message.slice(0, -meta.message.length - 1);
    info.error = meta;
  }
  let dropped = 0;
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    // A field left unset (`error: undefined` where there is none) is not a field dropped.
    if (info[key] === undefined) {
      delete info[key];
      continue;
    }
    const kind = Object.hasOwn(allowedFields, key) ? allowedFields[key] : undefined;
    const value = kind === undefined ? undefined : allowedValue(kind, info[key]);
    if (value === undefined) {
      delete info[key];
      dropped += 1;
    } else info[key] = value;
  }
  info.message = bounded(typeof info.message === 'string' ? info.message : '', maxMessageLength);
  if (dropped) info.droppedFields = dropped;
  return info;
});

/** JSON lines on stdout, or on `stream` (tests read what would have been logged). */
export function createLogger(level: string, stream?: NodeJS.WritableStream): winston.Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(allowlist(), winston.format.timestamp(), winston.format.json()),
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console()],
  });
}

/** The connector-facing view of a logger, carrying fixed context such as the transfer id. */
export function connectorLogger(logger: winston.Logger, context: Record<string, unknown>): Logger {
  const child = logger.child(context);
  return {
    debug: (message, fields) => child.debug(message, fields),
    info: (message, fields) => child.info(message, fields),
    warn: (message, fields) => child.warn(message, fields),
    error: (message, fields) => child.error(message, fields),
  };
}
