import { setTimeout as sleep } from 'node:timers/promises';
import { SupplierRateLimitedError, SupplierUnavailableError } from '../../../src/connector-kit';
import { sidnEpp } from '../../../connectors/sidn-epp/connector';
import type { SidnSandbox } from '../../../connectors/sidn-epp/sandbox';
import { type RecordedFrame, commandsIn, recordedSandbox } from './support/sandbox';
import { recordingContext, registerPayload } from '../support/payloads';
import { waitFor } from '../../support/services';
import type { SidnEppConfig } from '../../../connectors/sidn-epp/connector';

const REGISTER = 'domain.register';
let sandbox: SidnSandbox;
let frames: RecordedFrame[];
let config: SidnEppConfig;
const opened: Array<{ close?(): Promise<void> }> = [];
const open = (overrides: Partial<SidnEppConfig> = {}) => {
  const connector = sidnEpp.create({ ...config, ...overrides });
  opened.push(connector);
  return connector;
};

beforeAll(async () => {
  ({ sandbox, frames, config } = await recordedSandbox());
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((connector) => connector.close?.()));
  await sleep(100); // the logouts arrive
  sandbox.faults.clear();
  frames.length = 0;
});
afterAll(() => sandbox.close());

test('every command of a delivery carries the transfer id as clTRID; the session logs in once for all of them', async () => {
  const connector = open();
  const ctx = recordingContext();
  const loginsBefore = sandbox.logins();
  await connector.deliver(REGISTER, registerPayload(), ctx);

  const commands = commandsIn(frames);
  expect(commands.map(({ command }) => command)).toEqual(['login', 'domain:check', 'contact:create', 'host:check', 'host:create', 'host:create', 'domain:create', 'domain:info']);
  for (const { command, clTRID } of commands.slice(1)) expect({ command, clTRID }).toEqual({ command, clTRID: ctx.transferId });
  expect(sandbox.logins() - loginsBefore).toBe(1);
  expect(sandbox.hosts()).toEqual(expect.arrayContaining(['ns1.example.net', 'ns2.example.net']));
});

test('an idle session sends <hello> on the keep-alive timer and stays logged in', async () => {
  const connector = open({ keepAliveMs: 150 });
  await connector.check();
  const hellos = () => frames.filter((frame) => frame.direction === 'received' && frame.xml.includes('<hello/>')).length;
  await waitFor(async () => hellos() >= 2, 'two keep-alive hellos', 10_000, 50);
  expect(commandsIn(frames).map(({ command }) => command)).toEqual(['login']);
});

test('after SIDN drops the connection, the next delivery reconnects and logs in again, once', async () => {
  const connector = open();
  await connector.deliver(REGISTER, registerPayload(), recordingContext());
  const loginsBefore = sandbox.logins();
  sandbox.dropConnections();
  await sleep(50);

  await expect(connector.deliver(REGISTER, registerPayload(), recordingContext())).resolves.toMatchObject({ supplierReference: expect.any(String) });
  expect(sandbox.logins() - loginsBefore).toBe(1);
});

test('a command whose answer is lost is SupplierUnavailableError with outcomeUnknown; the next command reconnects', async () => {
  const connector = open();
  sandbox.faults.inject({ kind: 'drop_response', skip: 1 }); // the domain:create
  const ctx = recordingContext();
  const error = await connector.deliver(REGISTER, registerPayload(), ctx).catch((failure: unknown) => failure);

  expect(error).toBeInstanceOf(SupplierUnavailableError);
  expect(error).toMatchObject({ code: 'connection_lost', outcomeUnknown: true });
  await expect(connector.lookup(REGISTER, registerPayload(), recordingContext())).resolves.toBeNull();
});

test('2502 is SupplierRateLimitedError with the configured wait, and the session is reopened for the next command', async () => {
  const connector = open({ rateLimitRetryAfterMs: 4200 });
  sandbox.faults.inject({ kind: 'rate_limit' });
  const loginsBefore = sandbox.logins();
  const error = await connector.deliver(REGISTER, registerPayload(), recordingContext()).catch((failure: unknown) => failure);

  expect(error).toBeInstanceOf(SupplierRateLimitedError);
  expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 4200 });
  await connector.check();
  expect(sandbox.logins() - loginsBefore).toBe(2);
});

test('commands of concurrent deliveries run one at a time on the one session', async () => {
  const connector = open();
  const results = await Promise.all([1, 2, 3].map(() => connector.deliver(REGISTER, registerPayload(), recordingContext())));
  expect(new Set(results.map((result) => result.supplierReference)).size).toBe(3);
  expect(commandsIn(frames).filter(({ command }) => command === 'login')).toHaveLength(1);
});

test('close() logs out', async () => {
  const connector = sidnEpp.create(config);
  await connector.check();
  await connector.close?.();
  await waitFor(async () => commandsIn(frames).length === 2, 'the logout', 10_000, 50);
  expect(commandsIn(frames).map(({ command }) => command)).toEqual(['login', 'logout']);
});
