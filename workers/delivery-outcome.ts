import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { ConnectorError, SupplierRateLimitedError, SupplierUnavailableError } from '../src/connector-kit';
import type { TransferStatus } from '../src/transfers/transfer-store';

/** What one failed attempt means for the transfer, and what BullMQ should do with the job. */
export interface FailureDecision {
  status: TransferStatus;
  code: string;
  detail: string;
  retryable: boolean;
  outcomeUnknown: boolean;
  /** Thrown back to BullMQ: retry with backoff, wait out a rate limit, or stop for good. */
  signal: Error;
  rateLimitMs?: number;
}

/**
 * The one place where failures turn into queue behaviour (STYLE habit 6). Connector errors say what
 * happened; anything else is our own fault and is retried like an outage.
 */
export function decideFailure(error: unknown, job: Job): FailureDecision {
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (error instanceof SupplierRateLimitedError) {
    return { status: 'queued', code: error.code, detail: error.message, retryable: true, outcomeUnknown: false, signal: Worker.RateLimitError(), rateLimitMs: error.retryAfterMs };
  }
  if (error instanceof SupplierUnavailableError) {
    const status = lastAttempt ? (error.outcomeUnknown ? 'unknown' : 'failed') : 'queued';
    return { status, code: error.code, detail: error.message, retryable: true, outcomeUnknown: error.outcomeUnknown, signal: error };
  }
  if (error instanceof ConnectorError) {
    return { status: 'failed', code: error.code, detail: error.message, retryable: false, outcomeUnknown: false, signal: new UnrecoverableError(error.code) };
  }
  // Not the supplier's answer: the request may or may not have gone out, so the next attempt looks first.
  return {
    status: lastAttempt ? 'unknown' : 'queued',
    code: 'internal_error',
    detail: 'The gateway failed during delivery; see the gateway log for this transfer id.',
    retryable: true,
    outcomeUnknown: true,
    signal: error instanceof Error ? error : new Error(String(error)),
  };
}
