import { UnrecoverableError, Worker } from 'bullmq';
import {
  ConnectorError,
  SupplierContractError,
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierUnavailableError,
  SupplierUntrustedTlsError,
} from '../src/connector-kit';
import type { TransferStatus } from '../src/transfers/transfer-store';

/** A failure of the gateway's own, before or after the supplier was called; `code` is the part after `gateway.`. */
export class GatewayFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'GatewayFailure';
  }
}

/** What one failed attempt means for the transfer, and what BullMQ should do with the job. */
export interface FailureDecision {
  status: TransferStatus;
  /** Stable and free of personal data; its first part names the class (README, "Error codes"). */
  code: string;
  detail: string;
  retryable: boolean;
  outcomeUnknown: boolean;
  /** While the transfer waits for another attempt: how soon it is due. */
  retryInMs?: number;
  /** Thrown back to BullMQ: retry after `retryInMs`, wait out a rate limit, or stop for good. */
  signal: Error;
  /** The supplier asked the whole queue to wait this long. */
  rateLimitMs?: number;
}

/**
 * Thrown back to BullMQ for a retry after `delayMs`; the worker's backoff strategy reads it, so the queue waits
 * exactly as long as the transfer's `nextAttemptAt` says. Its message, kept by BullMQ, is the error code.
 */
export class RetryScheduled extends Error {
  constructor(
    code: string,
    readonly delayMs: number,
  ) {
    super(code);
    this.name = 'RetryScheduled';
  }
}

/** The class part of a connector error's code. */
export function classOf(error: ConnectorError): string {
  if (error instanceof SupplierRejectedError) return `supplier.rejected.${error.code}`;
  if (error instanceof SupplierContractError) return `supplier.contract.${error.code}`;
  if (error instanceof SupplierUnavailableError) return `supplier.unavailable.${error.code}`;
  if (error instanceof SupplierRateLimitedError) return 'supplier.rate_limited';
  if (error instanceof SupplierUntrustedTlsError) return 'supplier.untrusted_tls';
  return `supplier.${error.code}`;
}

/**
 * The one place where failures turn into a transfer status and queue behaviour. Connector
 * errors say what the supplier did; our own failures say what went wrong here; anything else is a bug,
 * retried like an outage because the request may or may not have gone out. `retryInMs`: the backoff before
 * the next attempt, or null when no attempt is left.
 */
export function decideFailure(error: unknown, retryInMs: number | null): FailureDecision {
  if (error instanceof SupplierRateLimitedError) {
    const { retryAfterMs } = error;
    return { status: 'queued', code: classOf(error), detail: error.message, retryable: true, outcomeUnknown: false, retryInMs: retryAfterMs, signal: Worker.RateLimitError(), rateLimitMs: retryAfterMs };
  }
  if (error instanceof ConnectorError && error.retryable) {
    const outcomeUnknown = error instanceof SupplierUnavailableError && error.outcomeUnknown;
    return retryOrGiveUp(classOf(error), error.message, outcomeUnknown, retryInMs);
  }
  if (error instanceof ConnectorError) return final(classOf(error), error.message);
  if (error instanceof GatewayFailure) {
    return error.permanent ? final(`gateway.${error.code}`, error.message) : retryOrGiveUp(`gateway.${error.code}`, error.message, true, retryInMs);
  }
  return retryOrGiveUp('gateway.internal_error', 'The gateway failed during delivery; see the gateway log for this transfer id.', true, retryInMs);
}

function final(code: string, detail: string): FailureDecision {
  return { status: 'failed', code, detail, retryable: false, outcomeUnknown: false, signal: new UnrecoverableError(code) };
}

/** A retryable failure; on the last attempt the transfer fails, or stays unknown when the supplier may have acted. */
function retryOrGiveUp(code: string, detail: string, outcomeUnknown: boolean, retryInMs: number | null): FailureDecision {
  if (retryInMs !== null) return { status: 'queued', code, detail, retryable: true, outcomeUnknown, retryInMs, signal: new RetryScheduled(code, retryInMs) };
  return {
    status: outcomeUnknown ? 'unknown' : 'failed',
    code: outcomeUnknown ? 'delivery.outcome_unknown' : code,
    detail: outcomeUnknown ? `${detail} No attempt is left and the supplier may have acted: retry the transfer to look it up.` : detail,
    retryable: false,
    outcomeUnknown,
    signal: new UnrecoverableError(code),
  };
}
