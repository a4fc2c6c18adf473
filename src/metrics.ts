import type IORedis from 'ioredis';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { readBreakerStates, type BreakerState } from './queue/breaker-state';
import type { DeliveryQueues } from './queue/queues';
import type { ShareEvent } from './shares/events';

/** What a scrape reads from Redis: the suppliers' queues and their published breaker states. */
export interface ScrapeSources {
  queues: DeliveryQueues;
  /** The producer connection, which fails at once while Redis is down. */
  redis: IORedis;
  queuePrefix: string;
  suppliers: string[];
}

/** The queue states that make a backlog; `completed` is history. */
const queueStates = ['waiting', 'paused', 'active', 'delayed', 'failed'] as const;
const breakerStates: readonly BreakerState[] = ['closed', 'open', 'half_open'];
/** Registrars' HTTP APIs answer in tens of milliseconds to tens of seconds. */
const deliveryBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** A scrape waits this long for Redis; past it, or on an error, that scrape leaves the Redis-read series out rather than show old numbers as current. */
const redisReadTimeoutMs = 1000;
/**
 * prom-client's default gauges with a `_total` suffix, which Prometheus keeps for counters (promtool flags
 * them); the same counts are in the per-type gauges of the same names without it.
 */
const misnamedDefaultGauges = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * The gateway's Prometheus metrics (README, "Metrics"), in a registry of its own so that gateways sharing
 * a process keep their own counts. Every label value is one of a bounded set of our own — a configured
 * supplier, an operation of its agreement, a route pattern, a status, an error class, a share event —
 * never an id or a value from a request.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'sgw_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern ("unmatched" when no route took the request) and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly accepted = new Counter({
    name: 'sgw_transfers_accepted_total',
    help: 'Transfers accepted at intake: new rows committed; a replayed request is not counted again.',
    labelNames: ['supplier', 'operation'],
    registers: [this.registry],
  });
  private readonly delivered = new Counter({
    name: 'sgw_transfers_delivered_total',
    help: 'Transfers delivered, by the connector\'s answer or by a lookup after an attempt whose outcome was unknown.',
    labelNames: ['supplier'],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'sgw_delivery_failures_total',
    help: 'Failed delivery attempts by error class (the first two parts of lastError.code); final="true" when the failure ended the transfer failed or unknown, "false" when it is tried again.',
    labelNames: ['supplier', 'error_class', 'final'],
    registers: [this.registry],
  });
  private readonly deliveryDuration = new Histogram({
    name: 'sgw_delivery_duration_seconds',
    help: 'How long the connector took to deliver a transfer, for deliveries that succeeded.',
    labelNames: ['supplier'],
    buckets: deliveryBuckets,
    registers: [this.registry],
  });
  private readonly shares = new Counter({
    name: 'sgw_share_log_entries_total',
    help: 'Entries appended to the shares log by event, counted once committed.',
    labelNames: ['event'],
    registers: [this.registry],
  });

  constructor({ queues, redis, queuePrefix, suppliers }: ScrapeSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'sgw_' });
    for (const name of misnamedDefaultGauges) this.registry.removeSingleMetric(`sgw_${name}`);
    new Gauge({
      name: 'sgw_queue_jobs',
      help: `Jobs in each supplier's delivery queue by state, read from Redis at scrape time; left out of a scrape Redis does not answer within ${redisReadTimeoutMs} ms.`,
      labelNames: ['supplier', 'state'],
      registers: [this.registry],
      async collect() {
        const counts = await withinScrapeTime(Promise.all(suppliers.map((supplier) => queues.queue(supplier).getJobCounts(...queueStates))));
        this.reset();
        counts?.forEach((byState, index) => {
          for (const state of queueStates) this.set({ supplier: suppliers[index], state }, byState[state] ?? 0);
        });
      },
    });
    new Gauge({
      name: 'sgw_supplier_breaker_state',
      help: `Each supplier's circuit breaker, one-hot: 1 for its state (closed, open or half_open), 0 for the others; read from Redis at scrape time, left out of a scrape Redis does not answer within ${redisReadTimeoutMs} ms.`,
      labelNames: ['supplier', 'state'],
      registers: [this.registry],
      async collect() {
        const states = await withinScrapeTime(readBreakerStates(redis, queuePrefix, suppliers));
        this.reset();
        for (const [supplier, current] of states ?? []) {
          for (const state of breakerStates) this.set({ supplier, state }, state === current ? 1 : 0);
        }
      },
    });
  }

  requestAnswered(method: string, route: string, status: number): void {
    this.requests.inc({ method, route, status: String(status) });
  }

  transferAccepted(supplier: string, operation: string): void {
    this.accepted.inc({ supplier, operation });
  }

  /** Starts timing a connector's delivery; call what it returns once the connector has answered with success. */
  deliveryTimer(supplier: string): () => void {
    const end = this.deliveryDuration.startTimer({ supplier });
    return () => void end();
  }

  transferDelivered(supplier: string): void {
    this.delivered.inc({ supplier });
  }

  /** `final`: no attempt follows, the transfer ended failed or unknown. */
  deliveryFailed(supplier: string, code: string, final: boolean): void {
    this.failures.inc({ supplier, error_class: errorClassOf(code), final: String(final) });
  }

  shareLogged(event: ShareEvent['event']): void {
    this.shares.inc({ event });
  }

  /** The exposition text, in the registry's content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

/**
 * An error code's class: its first two parts (`supplier.rejected`, `supplier.rate_limited`,
 * `gateway.worker_lost`, `delivery.outcome_unknown`). What follows them in `supplier.*` codes is the
 * supplier's own reason, which no label may carry unbounded.
 */
export function errorClassOf(code: string): string {
  return code.split('.', 2).join('.');
}

/** What `read` gives, or undefined when it fails or outlasts the time a scrape may wait. */
async function withinScrapeTime<T>(read: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), redisReadTimeoutMs);
  });
  try {
    return await Promise.race([read.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
