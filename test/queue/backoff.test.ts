import { defaultQueuePolicy } from '../../src/config/suppliers';
import { backoffDelayMs } from '../../src/queue/backoff';

// Issue 11, point 4: outages are ridden out, not failed.

const hour = 3_600_000;
const shortestJitter = 0;
const longestJitter = 1 - Number.EPSILON;

/** The delays between the attempts of a policy, each drawing the given jitter. */
const delays = (policy: typeof defaultQueuePolicy, random: number) =>
  Array.from({ length: policy.attempts - 1 }, (_, index) => backoffDelayMs(policy.backoff, index + 1, random));
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

test('the default policy rides out a supplier outage of 24 hours even when every delay draws its shortest jitter', () => {
  expect(sum(delays(defaultQueuePolicy, shortestJitter))).toBeGreaterThanOrEqual(24 * hour);
});

test('delays double from the base up to the cap, each between half of its ceiling and all of it', () => {
  const policy = { baseMs: 1000, maxMs: 10_000 };
  const ceilings = [1000, 2000, 4000, 8000, 10_000, 10_000];
  expect(ceilings.map((_, index) => backoffDelayMs(policy, index + 1, shortestJitter))).toEqual(ceilings.map((ceiling) => ceiling / 2));
  expect(ceilings.map((_, index) => backoffDelayMs(policy, index + 1, longestJitter))).toEqual(ceilings);
  for (let attempt = 1; attempt <= 40; attempt++) {
    const delay = backoffDelayMs(policy, attempt);
    expect(delay).toBeGreaterThanOrEqual(Math.min(policy.maxMs, 1000 * 2 ** (attempt - 1)) / 2);
    expect(delay).toBeLessThanOrEqual(policy.maxMs);
  }
});

test('jobs that failed together are spread over the second half of the ceiling', () => {
  const drawn = new Set(Array.from({ length: 50 }, () => backoffDelayMs(defaultQueuePolicy.backoff, 12)));
  expect(drawn.size).toBeGreaterThan(40);
});
