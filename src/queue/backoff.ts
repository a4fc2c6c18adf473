import type { QueuePolicy } from '../config/suppliers';

/**
 * The job option's backoff type: not one of BullMQ's own, so BullMQ asks the worker's `backoffStrategy`,
 * which hands it the delay the worker already recorded on the transfer as `nextAttemptAt`.
 */
export const workerBackoffType = 'capped-exponential';

/**
 * How long to wait before retrying after failed attempt `failedAttempt` (1 for the first): the ceiling
 * min(maxMs, baseMs × 2^(failedAttempt-1)), of which the first half is always waited and the second half by a
 * random share ("equal jitter"). Jobs that failed together spread out, yet no delay is shorter than half
 * its ceiling, so the policy's shortest total wait is known in advance. `random` is in [0, 1).
 */
export function backoffDelayMs({ baseMs, maxMs }: QueuePolicy['backoff'], failedAttempt: number, random = Math.random()): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}
