import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleType, type CircuitBreakerPolicy } from 'cockatiel';
import type { QueuePolicy } from '../src/config/suppliers';
import { SupplierUnavailableError } from '../src/connector-kit';
import type { BreakerState } from '../src/queue/breaker-state';

/** Thrown instead of trying a supplier whose breaker is open: its job waits `retryInMs` without using an attempt. */
export class SupplierBreakerOpen extends Error {
  constructor(readonly retryInMs: number) {
    super('supplier breaker open');
    this.name = 'SupplierBreakerOpen';
  }
}

/**
 * One supplier's circuit breaker in this worker process (cockatiel). Only outages count: `threshold`
 * consecutive `SupplierUnavailableError`s open it, and `halfOpenAfterMs` later one attempt probes while the
 * others wait for its outcome; success closes it, another outage opens it again. Any other ending neither
 * counts nor resets while it is closed (a 429, a rejection, our own failure), and closes it as a probe: the
 * supplier answered, or was not the one failing, so the next attempts find out afresh.
 */
export class SupplierBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private halfOpenAt = 0;

  constructor({ threshold, halfOpenAfterMs }: QueuePolicy['breaker'], onChange: (state: BreakerState, halfOpenAt?: Date) => void) {
    this.policy = circuitBreaker(handleType(SupplierUnavailableError), { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(threshold) });
    this.policy.onStateChange((state) => {
      if (state === CircuitState.Closed) return onChange('closed');
      if (state === CircuitState.HalfOpen) return onChange('half_open');
      this.halfOpenAt = Date.now() + halfOpenAfterMs;
      onChange('open', new Date(this.halfOpenAt));
    });
  }

  /** Runs one attempt through the breaker; throws `SupplierBreakerOpen` without running it while the breaker is open. */
  async execute<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(attempt);
    } catch (error) {
      // At least a millisecond: the breaker and this clock may disagree by one about when it half-opens.
      if (error instanceof BrokenCircuitError) throw new SupplierBreakerOpen(Math.max(1, this.halfOpenAt - Date.now()));
      throw error;
    }
  }
}
