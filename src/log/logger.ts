import winston from 'winston';
import type { Logger } from '../connector-kit';

/**
 * Keys whose values may hold personal data or secrets. Code should never log them; if it does by
 * mistake, the value is replaced before the line is written.
 */
const sensitiveKeys = new Set([
  'data', 'payload', 'registrant', 'subject', 'subjectid', 'email', 'phone', 'name', 'firstname', 'lastname',
  'address', 'street', 'token', 'password', 'authorization', 'secret', 'body', 'query',
  'dateofbirth', 'bankaccount', 'iban', 'companyname', 'postalcode', 'initials',
]);
const emailPattern = /[^\s@"']+@[^\s@"']+\.[a-z]{2,}/gi;

const maxDepth = 8;

function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(emailPattern, '[redacted-email]');
  if (value === null || typeof value !== 'object') return value;
  // Deeper than any context we log (or a cycle): dropped, since it was not checked.
  if (depth > maxDepth) return '[redacted-too-deep]';
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, sensitiveKeys.has(key.toLowerCase()) ? '[redacted]' : redact(item, depth + 1)]),
  );
}

const redaction = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    info[key] = sensitiveKeys.has(key.toLowerCase()) ? '[redacted]' : redact(info[key]);
  }
  return info;
});

/** JSON lines on stdout, or on `stream` (tests read what would have been logged). */
export function createLogger(level: string, stream?: NodeJS.WritableStream): winston.Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(redaction(), winston.format.timestamp(), winston.format.json()),
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
