// Test-only: a jest suite every connector runs against its own sandbox. The fixture a
// connector provides (harness.ts) lets the suite start its sandbox, make it misbehave and
// count the records it holds, so the same checks hold for REST, EPP or file suppliers alike.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describeDeliveryStateConformance, describeFaultConformance } from './faults';
import { ConformanceHarness, type ConformanceSetup } from './harness';
import { SupplierUntrustedTlsError } from '../../../src/connector-kit';

export type { ConformanceFault, ConformanceFixture, ConformanceSetup } from './harness';

export function describeConnectorConformance<Config>(name: string, setup: ConformanceSetup<Config>): void {
  const { definition } = setup;

  describe(`connector conformance: ${name}`, () => {
    const harness = new ConformanceHarness(setup);

    it('describes itself: id, display name, operations with schema $ids, config schema', () => {
      expect(definition.id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
      expect(definition.displayName.trim()).not.toBe('');
      expect(Object.keys(definition.operations).length).toBeGreaterThan(0);
      for (const schemaId of Object.values(definition.operations)) expect(() => new URL(schemaId)).not.toThrow();
      expect(definition.configSchema).toMatchObject({ type: 'object', additionalProperties: false });
    });

    it('has a config schema that compiles, rejects an empty config and accepts the sandbox config', () => {
      const validate = addFormats(new Ajv2020({ allErrors: true })).compile(definition.configSchema);
      expect(validate({})).toBe(false);
      expect(validate(harness.fixture.config)).toBe(true);
    });

    it('check() succeeds against the sandbox', async () => {
      await expect(harness.open().check()).resolves.toBeUndefined();
    });

    it('check() with bad credentials fails with a permanent connector-kit error', async () => {
      const error = await harness.failureOf(harness.open(harness.fixture.badCredentialsConfig).check());
      expect(error.retryable).toBe(false);
    });

    it('check() against an unreachable supplier fails with a retryable connector-kit error', async () => {
      const error = await harness.failureOf(harness.open(harness.fixture.unreachableConfig).check());
      expect(error.retryable).toBe(true);
    });

    it('a server certificate the client does not trust is SupplierUntrustedTlsError: permanent, nothing sent, nothing to discard', async () => {
      const before = await harness.fixture.subjectRecords();
      const connector = harness.open(harness.fixture.untrustedTlsConfig);
      const operation = Object.keys(definition.operations)[0];
      const transfer = harness.transfer();
      for (const call of [connector.check(), connector.deliver(operation, harness.payloadFor(operation), transfer.attempt())]) {
        const error = await harness.failureOf(call);
        expect(error).toBeInstanceOf(SupplierUntrustedTlsError);
        expect(error).toMatchObject({ retryable: false, code: expect.stringMatching(/^[a-z][a-z0-9_]*$/) });
      }
      // The gateway discards the failed transfer: with nothing sent, that must not need the supplier.
      await expect(connector.discard(operation, transfer.attempt())).resolves.toBeUndefined();
      expect(await harness.recordsAddedSince(before)).toEqual([]);
    });

    describe.each(Object.keys(definition.operations))('operation %s', (operation) => {
      it('lookup finds nothing before deliver; deliver returns a reference and the SHA-256 of what the supplier received; lookup then finds it', async () => {
        const connector = harness.open();
        const payload = harness.payloadFor(operation);
        const transfer = harness.transfer();
        await expect(connector.lookup(operation, payload, transfer.attempt())).resolves.toBeNull();

        const result = await connector.deliver(operation, payload, transfer.attempt());
        expect(typeof result.supplierReference).toBe('string');
        expect(result.supplierReference).not.toBe('');
        expect(result.sentDigest).toMatch(/^[0-9a-f]{64}$/);
        expect(result.sentDigest).toBe(await harness.fixture.digestOfDelivery(result.supplierReference));
        await expect(connector.lookup(operation, payload, transfer.attempt())).resolves.toEqual({ supplierReference: result.supplierReference });
      });

      it('throws only connector-kit errors for bad credentials, an unreachable supplier or an unknown operation', async () => {
        const { fixture } = harness;
        const payload = harness.payloadFor(operation);
        const attempt = () => harness.transfer().attempt();
        await harness.failureOf(harness.open(fixture.badCredentialsConfig).deliver(operation, payload, attempt()));
        await harness.failureOf(harness.open(fixture.unreachableConfig).deliver(operation, payload, attempt()));
        await harness.failureOf(harness.open(fixture.unreachableConfig).lookup(operation, payload, attempt()));
        await harness.failureOf(harness.open().deliver('conformance.no_such_operation', payload, attempt()));
      });
    });

    describeFaultConformance(harness);
    describeDeliveryStateConformance(harness);

    describe.each(Object.keys(definition.operations))('operation %s: erase', (operation) => {
      it('what a refused delivery left is erased (completed; not_found when it left nothing), and nothing of it stays; asked again, not_found', async () => {
        const before = await harness.fixture.subjectRecords();
        const connector = harness.open();
        const transfer = harness.transfer();
        await harness.failureOf(connector.deliver(operation, harness.rejectedFor(operation).payload, transfer.attempt()));
        const left = await harness.recordsAddedSince(before);

        const [answer] = await harness.erase(connector, [harness.recordOf(transfer, operation)]);
        expect(answer).toEqual({ transferId: transfer.transferId, status: left.length > 0 ? 'completed' : 'not_found', reason: expect.stringMatching(/\S/) });
        expect(await harness.recordsAddedSince(before)).toEqual([]);
        expect(await harness.erase(connector, [harness.recordOf(transfer, operation)])).toEqual([{ transferId: transfer.transferId, status: 'not_found', reason: expect.stringMatching(/\S/) }]);
      });

      it("a delivered record is erased or retained as the supplier must, retained with the supplier's reason; one answer per record, in order", async () => {
        const before = await harness.fixture.subjectRecords();
        const connector = harness.open();
        const [delivered, neverSent] = [harness.transfer(), harness.transfer()];
        const payload = harness.payloadFor(operation);
        const { supplierReference } = await connector.deliver(operation, payload, delivered.attempt());
        const held = await harness.recordsAddedSince(before);

        const answers = await harness.erase(connector, [harness.recordOf(delivered, operation, supplierReference), harness.recordOf(neverSent, operation)]);
        const expected = harness.fixture.erasureOfDelivered;
        expect(answers).toEqual([
          { transferId: delivered.transferId, status: expected, reason: expect.stringMatching(/\S/) },
          { transferId: neverSent.transferId, status: 'not_found', reason: expect.stringMatching(/\S/) },
        ]);
        // Retained stays, untouched, with the delivery it serves, and so does one the supplier was sent a request
        // to erase (it acts later, outside the gateway); completed is gone.
        const stays = expected !== 'completed';
        expect(await harness.recordsAddedSince(before)).toEqual(stays ? held : []);
        if (stays) await expect(connector.lookup(operation, payload, delivered.attempt())).resolves.toEqual({ supplierReference });
      });

      it("erasing one subject's record leaves another subject's records alone", async () => {
        const connector = harness.open();
        const [erased, other] = [harness.transfer(), harness.transfer()];
        await harness.failureOf(connector.deliver(operation, harness.rejectedFor(operation).payload, erased.attempt()));
        const before = await harness.fixture.subjectRecords();
        await connector.deliver(operation, harness.payloadFor(operation), other.attempt());
        const others = await harness.recordsAddedSince(before);

        await harness.erase(connector, [harness.recordOf(erased, operation)]);
        expect(others.length).toBeGreaterThan(0);
        for (const record of others) expect(await harness.fixture.subjectRecords()).toContain(record);
      });
    });
  });
}
