// Test-only: the conformance checks of failures and of delivery state (see conformance.ts).
import type { Connector } from '../../../src/connector-kit';
import { type ConformanceHarness, type SimulatedTransfer, sleep } from './harness';
import { SupplierRateLimitedError, SupplierRejectedError, SupplierUnavailableError } from '../../../src/connector-kit';

/** How many data requests of one delivery the lost-answer check goes through at most. */
const MAX_DATA_REQUESTS = 10;

function operationsOf<Config>(harness: ConformanceHarness<Config>): string[] {
  return Object.keys(harness.definition.operations);
}

/** The worker after a retryable failure: asks whether the delivery landed, and delivers again if not. */
async function retry(connector: Connector, operation: string, payload: unknown, transfer: SimulatedTransfer): Promise<string> {
  const landed = await connector.lookup(operation, payload, transfer.attempt());
  return landed?.supplierReference ?? (await connector.deliver(operation, payload, transfer.attempt())).supplierReference;
}

/**
 * The worker when a transfer ends after a failure: delivered if lookup finds it, else failed for good and
 * discarded. Returns how many records the transfer may leave at the supplier: one if it landed, else none.
 */
async function settle(connector: Connector, operation: string, payload: unknown, transfer: SimulatedTransfer): Promise<number> {
  if (await connector.lookup(operation, payload, transfer.attempt())) return 1;
  await connector.discard(operation, transfer.attempt());
  return 0;
}

export function describeFaultConformance<Config>(harness: ConformanceHarness<Config>): void {
  describe.each(operationsOf(harness))('operation %s when the supplier misbehaves', (operation) => {
    afterEach(() => harness.fixture.clearFaults());

    it('a 429 with Retry-After → SupplierRateLimitedError with its retryAfterMs; the retry delivers, leaving one record', async () => {
      const before = await harness.fixture.subjectRecords();
      const [connector, payload, transfer] = [harness.open(), harness.payloadFor(operation), harness.transfer()];
      await harness.fixture.inject({ kind: 'rate_limit', retryAfterSeconds: 3 });

      const error = await harness.failureOf(connector.deliver(operation, payload, transfer.attempt()));
      expect(error).toBeInstanceOf(SupplierRateLimitedError);
      expect(error).toMatchObject({ retryable: true, retryAfterMs: 3000 });
      await retry(connector, operation, payload, transfer);
      expect(await harness.recordsAddedSince(before)).toHaveLength(1);
    });

    it('a server failure → a retryable SupplierUnavailableError; the retry delivers, leaving one record', async () => {
      const before = await harness.fixture.subjectRecords();
      const [connector, payload, transfer] = [harness.open(), harness.payloadFor(operation), harness.transfer()];
      await harness.fixture.inject({ kind: 'server_error' });

      const error = await harness.failureOf(connector.deliver(operation, payload, transfer.attempt()));
      expect(error).toBeInstanceOf(SupplierUnavailableError);
      expect(error.retryable).toBe(true);
      await retry(connector, operation, payload, transfer);
      expect(await harness.recordsAddedSince(before)).toHaveLength(1);
    });

    it('no answer within the timeout → SupplierUnavailableError at the timeout; what the late request made can be discarded', async () => {
      const { timeoutMs } = harness.fixture;
      const before = await harness.fixture.subjectRecords();
      const [connector, payload, transfer] = [harness.open(), harness.payloadFor(operation), harness.transfer()];
      const delayMs = timeoutMs + 1000;
      await harness.fixture.inject({ kind: 'delay', delayMs });
      // Connected, logged in and keys unlocked first, as a worker's connector is: what is timed is the wait for an answer.
      await connector.check();

      const started = Date.now();
      const error = await harness.failureOf(connector.deliver(operation, payload, transfer.attempt()));
      expect(error).toBeInstanceOf(SupplierUnavailableError);
      expect(Date.now() - started).toBeLessThan(delayMs);
      await sleep(delayMs - (Date.now() - started) + 200);
      const kept = await settle(connector, operation, payload, transfer);
      expect(await harness.recordsAddedSince(before)).toHaveLength(kept);
    });

    it('an aborted signal stops the call at once with a connector-kit error; the supplier did at most what was already sent', async () => {
      const { timeoutMs } = harness.fixture;
      const before = await harness.fixture.subjectRecords();
      const [connector, payload, transfer] = [harness.open(), harness.payloadFor(operation), harness.transfer()];
      await harness.fixture.inject({ kind: 'delay', delayMs: timeoutMs });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);

      const started = Date.now();
      await harness.failureOf(connector.deliver(operation, payload, transfer.attempt(controller.signal)));
      expect(Date.now() - started).toBeLessThan(timeoutMs / 2);
      // Once the delayed request has been acted on, nothing sent after the abort may have followed it.
      await sleep(timeoutMs - (Date.now() - started) + 200);
      const kept = await settle(connector, operation, payload, transfer);
      expect(await harness.recordsAddedSince(before)).toHaveLength(kept);
    });

    it('a signal aborted before the call → a connector-kit error, and nothing reaches the supplier', async () => {
      const before = await harness.fixture.subjectRecords();
      const [connector, payload, transfer] = [harness.open(), harness.payloadFor(operation), harness.transfer()];
      const controller = new AbortController();
      controller.abort();

      await harness.failureOf(connector.deliver(operation, payload, transfer.attempt(controller.signal)));
      await expect(connector.lookup(operation, payload, transfer.attempt())).resolves.toBeNull();
      expect(await harness.recordsAddedSince(before)).toEqual([]);
    });
  });
}

export function describeDeliveryStateConformance<Config>(harness: ConformanceHarness<Config>): void {
  describe.each(operationsOf(harness))('operation %s: one copy of the data per transfer', (operation) => {
    afterEach(() => harness.fixture.clearFaults());

    it('after a lost answer at any step, lookup and a retry end in exactly one record (a dropped connection is SupplierUnavailableError)', async () => {
      const connector = harness.open();
      let step = 0;
      for (; step < MAX_DATA_REQUESTS; step += 1) {
        const before = await harness.fixture.subjectRecords();
        const [payload, transfer] = [harness.payloadFor(operation), harness.transfer()];
        await harness.fixture.inject({ kind: 'drop_response', skip: step });
        const lost = await connector.deliver(operation, payload, transfer.attempt()).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (lost === undefined) break; // the delivery has fewer data requests than `step + 1`: every step was covered
        expect(harness.connectorError(lost)).toBeInstanceOf(SupplierUnavailableError);

        const reference = await retry(connector, operation, payload, transfer);
        await expect(connector.lookup(operation, payload, transfer.attempt())).resolves.toEqual({ supplierReference: reference });
        expect(await harness.recordsAddedSince(before)).toHaveLength(1);
        await harness.fixture.clearFaults();
      }
      expect(step).toBeGreaterThan(0);
      expect(step).toBeLessThan(MAX_DATA_REQUESTS);
    });

    it("a supplier's refusal → SupplierRejectedError with its code; discard removes what the transfer made, and again finds nothing to do", async () => {
      const before = await harness.fixture.subjectRecords();
      const connector = harness.open();
      const { payload, code } = harness.rejectedFor(operation);
      const transfer = harness.transfer();

      const error = await harness.failureOf(connector.deliver(operation, payload, transfer.attempt()));
      expect(error).toBeInstanceOf(SupplierRejectedError);
      expect(error).toMatchObject({ code, retryable: false });
      await connector.discard(operation, transfer.attempt());
      expect(await harness.recordsAddedSince(before)).toEqual([]);
      await expect(connector.discard(operation, transfer.attempt())).resolves.toBeUndefined();
    });

    it('discard never removes what a delivered record needs', async () => {
      const [connector, payload, transfer] = [harness.open(), harness.payloadFor(operation), harness.transfer()];
      const { supplierReference } = await connector.deliver(operation, payload, transfer.attempt());
      const held = await harness.fixture.subjectRecords();

      await connector.discard(operation, transfer.attempt());
      expect(await harness.fixture.subjectRecords()).toEqual(held);
      await expect(connector.lookup(operation, payload, transfer.attempt())).resolves.toEqual({ supplierReference });
    });

    it('discard of a transfer that never reached the supplier does nothing', async () => {
      const before = await harness.fixture.subjectRecords();
      await expect(harness.open().discard(operation, harness.transfer().attempt())).resolves.toBeUndefined();
      expect(await harness.fixture.subjectRecords()).toEqual(before);
    });
  });
}
