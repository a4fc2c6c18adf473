import { Presets, SingleBar } from 'cli-progress';
import type { GatewayClient } from './gateway-client';
import { printJson } from './output';

export interface RetryFilter {
  status?: string;
  supplier?: string;
  operation?: string;
  errorCode?: string;
  since?: string;
  until?: string;
}

interface RetryOutcome {
  matched: number;
  retried: number;
  nextCursor: string | null;
}

/** Above this many a person at a terminal sees a progress bar, and the transfers go in batches. */
const progressFrom = 300;
const batchSize = 200;

const matching = (count: number) => `${count} matching transfer${count === 1 ? '' : 's'}`;

/**
 * Retries every failed or unknown transfer the filter matches. A script gets one request; a person at a
 * terminal first gets the count (a dry run) and, for more than a few hundred, a bar that moves with each batch.
 */
export async function bulkRetry(client: GatewayClient, filter: RetryFilter, { dryRun, json }: { dryRun: boolean; json: boolean }): Promise<void> {
  const retry = (options: { dryRun?: boolean; limit?: number; cursor?: string } = {}) => client.post<RetryOutcome>('/v1/transfers/retry', { filter, ...options });
  let outcome: RetryOutcome;
  if (dryRun) outcome = await retry({ dryRun: true });
  else if (process.stderr.isTTY) {
    const { matched } = await retry({ dryRun: true });
    outcome = matched > progressFrom ? await retryInBatches(retry, matched) : await retry();
  } else outcome = await retry();

  if (json) printJson(outcome);
  else if (dryRun) console.log(`${matching(outcome.matched)}; none retried (dry run).`);
  else console.log(`Retried ${outcome.retried} of ${matching(outcome.matched)}.`);
}

/**
 * Batches, oldest first, each going on from the last one's cursor: a transfer that fails again meanwhile is not
 * taken twice, and newer ones are not left out. Never more in all than the dry run counted.
 */
async function retryInBatches(retry: (options: { limit: number; cursor?: string }) => Promise<RetryOutcome>, total: number): Promise<RetryOutcome> {
  const bar = new SingleBar({ format: 'Retrying {bar} {value}/{total} transfers', hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0);
  let retried = 0;
  let cursor: string | undefined;
  try {
    for (;;) {
      const batch = await retry({ limit: Math.min(batchSize, total - retried), cursor });
      retried += batch.retried;
      cursor = batch.nextCursor ?? cursor;
      bar.update(retried);
      if (batch.retried === 0 || retried >= total) break;
    }
  } finally {
    bar.stop();
  }
  return { matched: total, retried, nextCursor: cursor ?? null };
}
