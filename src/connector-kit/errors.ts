/**
 * The only errors a connector may throw. Each says what the worker should do next;
 * the worker acts on them in one place (workers/delivery-outcome.ts). Messages and codes
 * must never carry personal data: they end up in logs and in the transfer's lastError.
 */
export abstract class ConnectorError extends Error {
  /** Short, stable, PII-free reason code, e.g. `domain_taken`, `http_503`. */
  readonly code: string;
  /** True when another attempt may succeed. */
  abstract readonly retryable: boolean;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The supplier refused the request for a reason that will not change on retry (taken domain, invalid contact). */
export class SupplierRejectedError extends ConnectorError {
  readonly retryable = false;
}

/** The supplier asked us to slow down. */
export class SupplierRateLimitedError extends ConnectorError {
  readonly retryable = true;
  constructor(code: string, message: string, readonly retryAfterMs: number) {
    super(code, message);
  }
}

/**
 * The supplier could not be reached or failed on its side. `outcomeUnknown` is true when the request
 * may have reached the supplier (connection lost or timed out after sending): the next attempt must
 * first `lookup` whether it landed.
 */
export class SupplierUnavailableError extends ConnectorError {
  readonly retryable = true;
  constructor(code: string, message: string, readonly outcomeUnknown = false) {
    super(code, message);
  }
}

/**
 * The supplier's TLS certificate is not one we trust (unknown CA, wrong name, expired): a configuration
 * to fix (NODE_EXTRA_CA_CERTS, the supplier's base URL), never an outage to wait out.
 */
export class SupplierUntrustedTlsError extends ConnectorError {
  readonly retryable = false;
}

/** Our payload and the supplier's API disagree (a bug on one side): permanent until someone fixes it. */
export class SupplierContractError extends ConnectorError {
  readonly retryable = false;
}
