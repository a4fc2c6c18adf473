import {
  type ConnectorError,
  SupplierContractError,
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierUnavailableError,
  parseRetryAfterMs,
} from '../../src/connector-kit';

/**
 * Openprovider's code for "Domain exists" when creating a domain. The swagger files enumerate no error
 * codes and the public error page gives only ranges (3xx–7xx: domain module); 346 lies there but is
 * unconfirmed by a published list (see README).
 */
export const OP_DOMAIN_EXISTS = 346;

/** Used when a 429 carries no usable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

/** Openprovider's reply envelope (`errorError` on failure, `*Response` on success). */
export interface OpenproviderReply<Data> {
  code: number;
  desc?: string;
  data?: Data;
}

export interface FailedAnswer {
  status: number;
  reply: OpenproviderReply<unknown> | undefined;
  retryAfter: string | undefined;
  /** The request creates something at Openprovider: a server failure may have happened after it acted. */
  mayHaveLanded: boolean;
}

/**
 * Turns an HTTP answer that is not a success into a connector-kit error. Codes and messages are
 * built from numbers and fixed text only: Openprovider's `desc` can echo submitted values.
 */
export function failureFromAnswer({ status, reply, retryAfter, mayHaveLanded }: FailedAnswer): ConnectorError {
  if (status === 429) {
    return new SupplierRateLimitedError(
      'rate_limited',
      'Openprovider asked to slow down',
      parseRetryAfterMs(retryAfter, DEFAULT_RETRY_AFTER_MS),
    );
  }
  if (status === 401) return new SupplierRejectedError('auth_failed', 'Openprovider refused the credentials');
  // Checked before the HTTP status: what matters is the registry's answer, whatever status carries it.
  if (reply?.code === OP_DOMAIN_EXISTS) {
    return new SupplierRejectedError('domain_taken', 'the domain is already registered');
  }
  if (status >= 500) {
    // 503 means "not taken in"; other 5xx can come after the backend acted (e.g. a gateway timeout).
    return new SupplierUnavailableError(`http_${status}`, `Openprovider failed with HTTP ${status}`, mayHaveLanded && status !== 503);
  }
  if (reply && status === 400 && /unknown field/i.test(reply.desc ?? '')) {
    return new SupplierContractError('op_unknown_field', 'Openprovider does not know a field we sent');
  }
  if (reply && reply.code !== 0) {
    return new SupplierRejectedError(`op_${reply.code}`, `Openprovider rejected the request (code ${reply.code}, HTTP ${status})`);
  }
  if (status >= 200 && status < 300) {
    return new SupplierContractError('op_unreadable_reply', 'Openprovider answered success without its reply envelope');
  }
  return new SupplierContractError(`http_${status}`, `Openprovider answered HTTP ${status} without an error code`);
}

/** Reads Openprovider's JSON envelope; anything else (HTML error page, empty body) gives undefined. */
export function parseReply(body: unknown): OpenproviderReply<unknown> | undefined {
  // Anything else (no JSON, another shape): the caller classifies by HTTP status alone.
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'number' ? (body as OpenproviderReply<unknown>) : undefined;
}
