import {
  type ConnectorError,
  SupplierContractError,
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierUnavailableError,
  parseRetryAfterMs,
} from '../../src/connector-kit';

/** Used when a 429 carries no usable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

/**
 * What the connector keeps of Realtime Register's error body `{type, message, violations[{field, message, value}]}`:
 * the type and the names of the fields in violation. `message` and a violation's `message` and `value` can
 * repeat what was sent (a name, a domain), so they are never read.
 */
export interface RtrFailure {
  type: string | undefined;
  fields: string[];
}

export interface FailedAnswer {
  status: number;
  failure: RtrFailure;
  retryAfter: string | undefined;
  /** The request creates something: a failure on RTR's side may have come after it acted. */
  mayHaveLanded: boolean;
}

/** The registry or RTR's own backend failed: worth another attempt later. */
const UNAVAILABLE_TYPES = new Set(['InternalSRSError', 'ProviderConnectionError', 'ProviderUnavailable']);

/** Our request and RTR's API disagree: no retry fixes it, a person must. */
const CONTRACT_CODES: Record<string, string> = {
  // A premium or otherwise extra-cost registration must name its billables; we never agree to a price unseen.
  BillableAcknowledgmentNeededException: 'billable_acknowledgment_needed',
  UnrecognizedPropertyException: 'unrecognized_property',
};

const TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const FIELD_PATTERN = /^[A-Za-z0-9_.[\]]{1,64}$/;

/** `ConstraintViolationException` → `constraint_violation`: RTR's type as a stable snake_case code. */
export function codeOfType(type: string): string {
  return type
    .replace(/Exception$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Turns an answer that is not a success into a connector-kit error, from the status, the type and field names only. */
export function failureFromAnswer({ status, failure, retryAfter, mayHaveLanded }: FailedAnswer): ConnectorError {
  const { type } = failure;
  if (status === 429) {
    return new SupplierRateLimitedError('rate_limited', 'Realtime Register asked to slow down', parseRetryAfterMs(retryAfter, DEFAULT_RETRY_AFTER_MS));
  }
  if (status === 401) return new SupplierRejectedError('auth_failed', 'Realtime Register refused the API key');
  if (status === 403) return new SupplierRejectedError('not_authorized', 'the API key may not act for the configured customer');
  if (type !== undefined && UNAVAILABLE_TYPES.has(type)) {
    return new SupplierUnavailableError(codeOfType(type), `Realtime Register could not reach the registry (${type}, HTTP ${status})`, mayHaveLanded);
  }
  if (status >= 500) {
    // 503 means "not taken in"; other 5xx can come after the backend acted (e.g. a gateway timeout).
    return new SupplierUnavailableError(`http_${status}`, `Realtime Register failed with HTTP ${status}`, mayHaveLanded && status !== 503);
  }
  if (type !== undefined && type in CONTRACT_CODES) {
    return new SupplierContractError(CONTRACT_CODES[type], `Realtime Register refused the request as ${type}${onFields(failure)}`);
  }
  if (type !== undefined) {
    return new SupplierRejectedError(codeOfType(type), `Realtime Register refused the request as ${type} (HTTP ${status})${onFields(failure)}`);
  }
  if (status >= 200 && status < 300) return new SupplierContractError('unreadable_reply', 'Realtime Register answered success with an unreadable body');
  return new SupplierContractError(`http_${status}`, `Realtime Register answered HTTP ${status} without an error type`);
}

function onFields({ fields }: RtrFailure): string {
  return fields.length === 0 ? '' : `, on field(s) ${fields.join(', ')}`;
}

/** Reads an error body; anything else (an HTML page, no body) gives no type and no fields. */
export function parseFailure(body: unknown): RtrFailure {
  const { type, violations } = (typeof body === 'object' && body !== null ? body : {}) as { type?: unknown; violations?: unknown };
  const fields = (Array.isArray(violations) ? violations : [])
    .map((violation: { field?: unknown } | null) => violation?.field)
    .filter((field): field is string => typeof field === 'string' && FIELD_PATTERN.test(field));
  return { type: typeof type === 'string' && TYPE_PATTERN.test(type) ? type : undefined, fields };
}
