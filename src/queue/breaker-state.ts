import type IORedis from 'ioredis';
import { deliveryQueueName } from './queues';

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * Each worker process keeps a circuit breaker per supplier and publishes its state here, beside the supplier's
 * queue (same hash tag), so that an API process can show it. With several worker processes the latest
 * change wins: each opens on what it saw itself.
 */
const breakerKey = (prefix: string, supplier: string) => `${prefix}:${deliveryQueueName(supplier)}:breaker`;

interface Published {
  state: BreakerState;
  /** While open: when the breaker lets a probe through, in epoch ms. */
  halfOpenAt?: number;
}

export async function publishBreakerState(redis: IORedis, prefix: string, supplier: string, state: BreakerState, halfOpenAt?: Date): Promise<void> {
  const published: Published = { state, ...(halfOpenAt && { halfOpenAt: halfOpenAt.getTime() }) };
  await redis.set(breakerKey(prefix, supplier), JSON.stringify(published));
}

/**
 * Each supplier's breaker; one never published is closed, and an open one past its wait is half-open (its next
 * call probes). One GET per supplier: each key lives in its own queue's Cluster slot, where one MGET would be refused.
 */
export async function readBreakerStates(redis: IORedis, prefix: string, suppliers: string[], now = Date.now()): Promise<Map<string, BreakerState>> {
  const values = await Promise.all(suppliers.map((supplier) => redis.get(breakerKey(prefix, supplier))));
  return new Map(
    suppliers.map((supplier, index) => {
      const published = values[index] ? (JSON.parse(values[index]) as Published) : { state: 'closed' as const };
      const state = published.state === 'open' && published.halfOpenAt !== undefined && published.halfOpenAt <= now ? 'half_open' : published.state;
      return [supplier, state];
    }),
  );
}
