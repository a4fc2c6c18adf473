import { SupplierUnavailableError, SupplierUntrustedTlsError } from './errors';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * JSON Schema `pattern` for a supplier base URL: https anywhere, plain http only on loopback
 * (where the in-process sandboxes listen). Use it in connector config schemas.
 */
export const SECURE_BASE_URL_PATTERN =
  '^(?:https://[^\\s/?#@]+|http://(?:127\\.0\\.0\\.1|localhost|\\[::1\\])(?::[0-9]{1,5})?)(?:/[^\\s?#]*)?$';

/**
 * Parses a base URL and refuses plain http outside loopback, so personal data never crosses a
 * network unencrypted even when a config skipped schema validation.
 */
export function parseSecureBaseUrl(baseUrl: string, connectorId: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`${connectorId}: baseUrl is not a valid URL`);
  }
  const plainHttpOnLoopback = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !plainHttpOnLoopback) {
    throw new Error(`${connectorId}: baseUrl must use https (plain http is allowed only for 127.0.0.1, ::1 or localhost)`);
  }
  return url;
}

/** Retry-After is delta-seconds or an HTTP-date (RFC 9110 §10.2.3); anything else gets the fallback. */
export function parseRetryAfterMs(value: string | undefined, fallbackMs: number, now = Date.now()): number {
  if (value === undefined || value.trim() === '') return fallbackMs;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return fallbackMs;
  return Math.max(0, date - now);
}

/** Node error codes raised before a single byte of the request left: the supplier cannot have acted on it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** TLS verification failures: a configuration problem (missing CA, wrong host), never an outage. */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/**
 * Classifies a failure below HTTP (no response was read). `requestMayHaveLanded` is the caller's
 * knowledge that the request changes state at the supplier (POST): if the connection failed after
 * it may have been sent, the outcome is unknown and the next attempt must look it up first. A
 * certificate we do not trust fails the handshake before any byte of the request leaves, and waiting
 * will not change it: that is permanent.
 */
export function transportFailure(
  systemCode: string | undefined,
  supplier: string,
  requestMayHaveLanded: boolean,
): SupplierUnavailableError | SupplierUntrustedTlsError {
  const code = systemCode ?? 'unknown';
  if (TLS_VERIFY_CODES.has(code)) {
    return new SupplierUntrustedTlsError(
      'untrusted_tls',
      `${supplier}: the server certificate is not trusted (${code}); check the base URL, or add the supplier's CA through NODE_EXTRA_CA_CERTS`,
    );
  }
  if (NOT_SENT_CODES.has(code)) {
    return new SupplierUnavailableError('unreachable', `${supplier} could not be reached (${code})`);
  }
  if (TIMEOUT_CODES.has(code)) {
    return new SupplierUnavailableError('timeout', `${supplier} did not answer in time (${code})`, requestMayHaveLanded);
  }
  return new SupplierUnavailableError('connection_lost', `${supplier}: connection lost before an answer (${code})`, requestMayHaveLanded);
}
