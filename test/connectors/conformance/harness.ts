// Test-only: what the conformance suite's tests share (see conformance.ts).
import { randomUUID } from 'node:crypto';
import type { Connector, ConnectorDefinition, DeliveryContext, DeliveryState, RecordErasure, SubjectRecord } from '../../../src/connector-kit';
import { ConnectorError } from '../../../src/connector-kit';

/**
 * What the sandbox does to the connector's next request that carries a subject's data to the supplier
 * (the requests `sentDigest` covers), after letting `skip` of them pass:
 * - `rate_limit`: asks the connector to slow down, with Retry-After in seconds, and does not act;
 * - `server_error`: fails on its side (HTTP 5xx or the protocol's equivalent), and does not act;
 * - `drop_response`: acts on the request, then closes the connection without answering;
 * - `delay`: acts on the request and answers only after `delayMs`.
 */
export type ConformanceFault =
  | { kind: 'rate_limit'; retryAfterSeconds: number }
  | { kind: 'server_error' }
  | { kind: 'drop_response'; skip?: number }
  | { kind: 'delay'; delayMs: number };

export interface ConformanceFixture<Config> {
  /** Config that reaches the running sandbox with valid credentials, with a request timeout of `timeoutMs`. */
  config: Config;
  timeoutMs: number;
  /** Same sandbox, credentials it refuses. */
  badCredentialsConfig: Config;
  /** Points where nothing listens. */
  unreachableConfig: Config;
  /** A sandbox over TLS whose certificate the client has no reason to trust (no CA given for it). */
  untrustedTlsConfig: Config;
  /** A payload the operation's agreed schema accepts, new on every call (e.g. a fresh domain name). */
  samplePayload(operation: string): unknown;
  /** A payload the supplier refuses for good, and the code the connector must give it (a taken domain → `domain_taken`). */
  rejectedPayload(operation: string): { payload: unknown; code: string };
  inject(fault: ConformanceFault): Promise<void>;
  /** Removes faults no request has hit yet. */
  clearFaults(): Promise<void>;
  /** Ids of every record the sandbox holds with a subject's data in it (Openprovider: customer handles). */
  subjectRecords(): Promise<string[]>;
  /**
   * The sandbox's own SHA-256 (hex) of the bytes that carried personal data in the delivery that made
   * `supplierReference`, computed from what it received, by the formula the connector's README gives for `sentDigest`.
   */
  digestOfDelivery(supplierReference: string): Promise<string>;
  /**
   * What the supplier answers when asked to erase a delivered record: `retained` where it must keep the data
   * (Openprovider: a registered domain's registrant), `sent` where it acts on the request outside the gateway (a
   * file supplier); with either, the record stays in `subjectRecords()`.
   */
  erasureOfDelivered: 'completed' | 'retained' | 'sent';
  stop(): Promise<void>;
}

export interface ConformanceSetup<Config> {
  definition: ConnectorDefinition<Config>;
  /** Starts the connector's sandbox (and an untrusted TLS one). */
  start(): Promise<ConformanceFixture<Config>>;
}

/** One transfer as the worker runs it: each attempt starts from the state recorded so far. */
export interface SimulatedTransfer {
  readonly transferId: string;
  /** What the attempts recorded last. */
  readonly state: DeliveryState;
  attempt(signal?: AbortSignal): DeliveryContext;
}

/** Strings of the payload long enough that finding one in a log line cannot be chance. */
export function personalValues(payload: unknown): string[] {
  if (typeof payload === 'string') return payload.length >= 5 ? [payload] : [];
  if (typeof payload !== 'object' || payload === null) return [];
  return Object.values(payload).flatMap(personalValues);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens connectors, hands out payloads and transfers, and after every test checks that no log line, error
 * or recorded state of that test carries a value of a payload the test used (so each test stands alone).
 */
export class ConformanceHarness<Config> {
  private fixtureInUse: ConformanceFixture<Config> | undefined;
  private readonly opened: Connector[] = [];
  private payloads: unknown[] = [];
  private evidence: string[] = [];

  readonly definition: ConnectorDefinition<Config>;

  constructor(setup: ConformanceSetup<Config>) {
    this.definition = setup.definition;
    beforeAll(async () => {
      this.fixtureInUse = await setup.start();
    });
    afterEach(() => this.expectNoPersonalValues());
    afterAll(async () => {
      await Promise.all(this.opened.map((connector) => connector.close?.()));
      await this.fixtureInUse?.stop();
    });
  }

  get fixture(): ConformanceFixture<Config> {
    if (!this.fixtureInUse) throw new Error(`the ${this.definition.id} sandbox did not start`);
    return this.fixtureInUse;
  }

  open(config: Config = this.fixture.config): Connector {
    const connector = this.definition.create(config);
    this.opened.push(connector);
    return connector;
  }

  payloadFor(operation: string): unknown {
    return this.track(this.fixture.samplePayload(operation));
  }

  rejectedFor(operation: string): { payload: unknown; code: string } {
    const rejected = this.fixture.rejectedPayload(operation);
    this.track(rejected.payload);
    return rejected;
  }

  transfer(): SimulatedTransfer {
    const transferId = randomUUID();
    let state: DeliveryState = {};
    const log = (message: string, fields?: Record<string, unknown>) => this.evidence.push(JSON.stringify({ message, fields }));
    return {
      transferId,
      get state() {
        return state;
      },
      attempt: (signal = new AbortController().signal) => {
        const ctx: DeliveryContext = {
          signal,
          transferId,
          log: { debug: log, info: log, warn: log, error: log },
          state,
          recordState: async (next) => {
            this.evidence.push(JSON.stringify(next));
            state = { ...next };
            ctx.state = state;
          },
        };
        return ctx;
      },
    };
  }

  /** The gateway's record of what `transfer` left at the supplier, as the erasure step hands it to `erase`. */
  recordOf(transfer: SimulatedTransfer, operation: string, supplierReference: string | null = null): SubjectRecord {
    return { transferId: transfer.transferId, operation, supplierReference, state: transfer.state };
  }

  /** `connector.erase`, its answers kept for the personal-value check. */
  async erase(connector: Connector, records: SubjectRecord[]): Promise<RecordErasure[]> {
    const log = (message: string, fields?: Record<string, unknown>) => this.evidence.push(JSON.stringify({ message, fields }));
    const answers = await connector.erase(records, { signal: new AbortController().signal, erasureId: randomUUID(), log: { debug: log, info: log, warn: log, error: log } });
    this.evidence.push(JSON.stringify(answers));
    return answers;
  }

  /** The connector-kit error `action` must fail with. */
  async failureOf(action: Promise<unknown>): Promise<ConnectorError> {
    return this.connectorError(
      await action.then(
        () => new Error('expected the call to fail, it succeeded'),
        (failure: unknown) => failure,
      ),
    );
  }

  /** `error` must be a connector-kit error; it is kept for the personal-value check. */
  connectorError(error: unknown): ConnectorError {
    expect(error).toBeInstanceOf(ConnectorError);
    this.evidence.push(`${(error as ConnectorError).code} ${(error as Error).message} ${JSON.stringify(error)}`);
    return error as ConnectorError;
  }

  /** Records the sandbox holds now that it did not hold in `before`. */
  async recordsAddedSince(before: string[]): Promise<string[]> {
    return (await this.fixture.subjectRecords()).filter((id) => !before.includes(id));
  }

  private track(payload: unknown): unknown {
    this.payloads.push(payload);
    return payload;
  }

  private expectNoPersonalValues(): void {
    const evidence = this.evidence.join('\n');
    const values = this.payloads.flatMap(personalValues);
    this.payloads = [];
    this.evidence = [];
    for (const value of values) expect(evidence).not.toContain(value);
  }
}
