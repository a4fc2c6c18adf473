import { setTimeout as sleep } from 'node:timers/promises';
import { SupplierRateLimitedError, SupplierRejectedError, SupplierUnavailableError } from '../../src/connector-kit';
import type { BreakerState } from '../../src/queue/breaker-state';
import { SupplierBreaker, SupplierBreakerOpen } from '../../workers/supplier-breaker';

// Issue 11, point 4: one supplier's breaker, as the worker runs each attempt through it.

const halfOpenAfterMs = 300;
let changes: { state: BreakerState; halfOpenAt?: Date }[];
let breaker: SupplierBreaker;
beforeEach(() => {
  changes = [];
  breaker = new SupplierBreaker({ threshold: 3, halfOpenAfterMs }, (state, halfOpenAt) => changes.push({ state, halfOpenAt }));
});

const outage = () => Promise.reject(new SupplierUnavailableError('http_503', 'Openprovider failed with HTTP 503'));
const delivered = () => Promise.resolve('delivered');

/** Runs one attempt through the breaker; answers how it ended, and whether the attempt ran at all. */
async function attempt(work: () => Promise<unknown>): Promise<{ ran: boolean; ended: string }> {
  let ran = false;
  try {
    await breaker.execute(() => {
      ran = true;
      return work();
    });
    return { ran, ended: 'success' };
  } catch (error) {
    return { ran, ended: (error as Error).name };
  }
}

// A little past the wait: a timer may fire a millisecond before the clock the breaker reads says it is due.
const untilProbeDue = () => sleep(halfOpenAfterMs + 20);

async function open(): Promise<void> {
  for (let i = 0; i < 3; i++) await attempt(outage);
  expect(changes.map((change) => change.state)).toEqual(['open']);
}

test('three consecutive outages open it; then attempts are held back without running, until the probe is due', async () => {
  const openedAt = Date.now();
  await open();
  expect(changes[0].halfOpenAt!.getTime()).toBeGreaterThanOrEqual(openedAt + halfOpenAfterMs);

  let held: unknown;
  await breaker.execute(delivered).catch((error: unknown) => (held = error));
  expect(held).toBeInstanceOf(SupplierBreakerOpen);
  expect((held as SupplierBreakerOpen).retryInMs).toBeGreaterThan(0);
  expect((held as SupplierBreakerOpen).retryInMs).toBeLessThanOrEqual(halfOpenAfterMs);
  expect(await attempt(delivered)).toEqual({ ran: false, ended: 'SupplierBreakerOpen' });
});

test('a 429 and a rejection neither count nor reset the outages before them', async () => {
  await attempt(outage);
  await attempt(outage);
  expect(await attempt(() => Promise.reject(new SupplierRateLimitedError('rate_limited', 'slow down', 1000)))).toEqual({ ran: true, ended: 'SupplierRateLimitedError' });
  expect(await attempt(() => Promise.reject(new SupplierRejectedError('domain_taken', 'the domain is already registered')))).toEqual({ ran: true, ended: 'SupplierRejectedError' });
  expect(changes).toEqual([]);

  await attempt(outage);
  expect(changes.map((change) => change.state)).toEqual(['open']);
});

test('a success resets the count of consecutive outages', async () => {
  await attempt(outage);
  await attempt(outage);
  await attempt(delivered);
  await attempt(outage);
  await attempt(outage);
  expect(changes).toEqual([]);
  expect(await attempt(delivered)).toEqual({ ran: true, ended: 'success' });
});

test('once due, one probe goes through while the others wait for it; its success closes the breaker and lets them run', async () => {
  await open();
  await untilProbeDue();
  let endProbe!: () => void;
  const probe = attempt(() => new Promise<void>((resolve) => (endProbe = resolve)));
  const waiting = attempt(delivered);
  await sleep(50);
  expect(changes.map((change) => change.state)).toEqual(['open', 'half_open']);

  endProbe();
  expect(await probe).toEqual({ ran: true, ended: 'success' });
  expect(await waiting).toEqual({ ran: true, ended: 'success' });
  expect(changes.map((change) => change.state)).toEqual(['open', 'half_open', 'closed']);
});

test('a probe that meets the outage again opens the breaker again, and the attempts waiting for it are held back', async () => {
  await open();
  await untilProbeDue();
  const probe = attempt(() => sleep(50).then(outage));
  const waiting = attempt(delivered);

  expect(await probe).toEqual({ ran: true, ended: 'SupplierUnavailableError' });
  expect(await waiting).toEqual({ ran: false, ended: 'SupplierBreakerOpen' });
  expect(changes.map((change) => change.state)).toEqual(['open', 'half_open', 'open']);
});

test('a probe the supplier answers with a rejection closes the breaker: the supplier is back', async () => {
  await open();
  await untilProbeDue();
  expect(await attempt(() => Promise.reject(new SupplierRejectedError('domain_taken', 'the domain is already registered')))).toEqual({ ran: true, ended: 'SupplierRejectedError' });
  expect(changes.map((change) => change.state)).toEqual(['open', 'half_open', 'closed']);
});
