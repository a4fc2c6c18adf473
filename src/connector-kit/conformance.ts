// Test-only: a jest suite every connector runs against its own sandbox (STYLE habit 3).
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Connector, ConnectorDefinition, DeliveryContext } from './connector';
import { ConnectorError } from './errors';

export interface ConformanceFixture<Config> {
  /** Config that reaches the running sandbox with valid credentials. */
  config: Config;
  /** Same sandbox, credentials it refuses. */
  badCredentialsConfig: Config;
  /** Points where nothing listens. */
  unreachableConfig: Config;
  /** A payload the operation's agreed schema accepts, new on every call (e.g. a fresh domain name). */
  samplePayload(operation: string): unknown;
  stop(): Promise<void>;
}

export interface ConformanceSetup<Config> {
  definition: ConnectorDefinition<Config>;
  /** Starts the connector's sandbox. */
  start(): Promise<ConformanceFixture<Config>>;
}

/** Strings of the payload long enough that finding one in a log line cannot be chance. */
function personalValues(payload: unknown): string[] {
  if (typeof payload === 'string') return payload.length >= 5 ? [payload] : [];
  if (typeof payload !== 'object' || payload === null) return [];
  return Object.values(payload).flatMap(personalValues);
}

async function thrownBy(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

export function describeConnectorConformance<Config>(name: string, setup: ConformanceSetup<Config>): void {
  const { definition } = setup;

  describe(`connector conformance: ${name}`, () => {
    let fixture: ConformanceFixture<Config>;
    const logLines: string[] = [];
    const handledPayloads: unknown[] = [];
    const opened: Connector[] = [];

    const open = (config: Config): Connector => {
      const connector = definition.create(config);
      opened.push(connector);
      return connector;
    };
    const payloadFor = (operation: string): unknown => {
      const payload = fixture.samplePayload(operation);
      handledPayloads.push(payload);
      return payload;
    };
    const context = (): DeliveryContext => {
      const record = (message: string, fields?: Record<string, unknown>) => logLines.push(JSON.stringify({ message, fields }));
      const ctx: DeliveryContext = {
        signal: new AbortController().signal,
        transferId: 'conformance-transfer',
        log: { debug: record, info: record, warn: record, error: record },
        state: {},
        recordState: async (state) => {
          ctx.state = state;
        },
      };
      return ctx;
    };

    beforeAll(async () => {
      fixture = await setup.start();
    });
    afterAll(async () => {
      await Promise.all(opened.map((connector) => connector.close?.()));
      await fixture?.stop();
    });

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
      expect(validate(fixture.config)).toBe(true);
    });

    it('check() succeeds against the sandbox', async () => {
      await expect(open(fixture.config).check()).resolves.toBeUndefined();
    });

    it('check() with bad credentials fails with a permanent connector-kit error', async () => {
      const error = await thrownBy(() => open(fixture.badCredentialsConfig).check());
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).retryable).toBe(false);
    });

    it('check() against an unreachable supplier fails with a retryable connector-kit error', async () => {
      const error = await thrownBy(() => open(fixture.unreachableConfig).check());
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).retryable).toBe(true);
    });

    describe.each(Object.keys(definition.operations))('operation %s', (operation) => {
      it('lookup finds nothing before deliver; deliver returns a reference and a SHA-256 digest; lookup then finds it', async () => {
        const connector = open(fixture.config);
        const payload = payloadFor(operation);
        await expect(connector.lookup(operation, payload, context())).resolves.toBeNull();

        const result = await connector.deliver(operation, payload, context());
        expect(typeof result.supplierReference).toBe('string');
        expect(result.supplierReference).not.toBe('');
        expect(result.sentDigest).toMatch(/^[0-9a-f]{64}$/);
        await expect(connector.lookup(operation, payload, context())).resolves.toEqual({ supplierReference: result.supplierReference });
      });

      it('throws only connector-kit errors, which carry no value of the payload', async () => {
        const payload = payloadFor(operation);
        const failures = [
          await thrownBy(() => open(fixture.badCredentialsConfig).deliver(operation, payload, context())),
          await thrownBy(() => open(fixture.unreachableConfig).deliver(operation, payload, context())),
          await thrownBy(() => open(fixture.unreachableConfig).lookup(operation, payload, context())),
          await thrownBy(() => open(fixture.config).deliver('conformance.no_such_operation', payload, context())),
        ];
        for (const failure of failures) {
          expect(failure).toBeInstanceOf(ConnectorError);
          const { code, message } = failure as ConnectorError;
          for (const value of personalValues(payload)) expect(`${code} ${message}`).not.toContain(value);
        }
      });
    });

    it('logs no value of any payload it handled', () => {
      const logged = logLines.join('\n');
      expect(handledPayloads.length).toBeGreaterThan(0);
      for (const value of handledPayloads.flatMap(personalValues)) expect(logged).not.toContain(value);
    });

    it('answers erasure with a known status and an explanation', async () => {
      const records = [{ operation: Object.keys(definition.operations)[0], supplierReference: 'conformance-1' }];
      const answer = await open(fixture.config).erase(records, context());
      expect(['erased', 'requested', 'not_supported']).toContain(answer.status);
      expect(answer.detail.trim()).not.toBe('');
    });
  });
}
