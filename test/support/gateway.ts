import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { getConnectorDefinition } from '../../connectors';
import { startOpenproviderSandbox, type OpenproviderSandbox } from '../../connectors/openprovider/sandbox';
import { createApiKey, roles, type ApiRole } from '../../src/api/api-keys';
import type { EnvConfig } from '../../src/config/env';
import { defaultQueuePolicy, type QueuePolicy, type SupplierConfig } from '../../src/config/suppliers';
import { startGateway, type Gateway } from '../../src/gateway';
import { deliveryQueueName } from '../../src/queue/queues';
import { createLogger } from '../../src/log/logger';
import { createSchema, removeRedisKeys, testDatabaseUrl, testRedisUrl, uniqueName } from './services';

export interface TestGateway extends Gateway {
  url: string;
  keys: Record<ApiRole, string>;
  sandbox: OpenproviderSandbox;
  env: EnvConfig;
  /** A connection of the test's own to the gateway's Redis, and the sandbox supplier's delivery queue on it, to look into. */
  redis: IORedis;
  deliveryQueue: Queue;
  /** Every log line the gateway wrote. */
  logs(): string;
}

export interface TestGatewayOptions {
  database?: 'postgres' | 'pglite';
  queue?: Partial<QueuePolicy>;
  env?: Partial<EnvConfig>;
  /** How often the gateway signs the head of the shares log (a minute otherwise). */
  checkpointIntervalMs?: number;
}

/**
 * The whole gateway in this process on a free port, against the real Redis and PostgreSQL (its own
 * schema and queue prefix) and a real Openprovider sandbox over HTTP.
 */
export async function startTestGateway({ database = 'postgres', queue, env: overrides, checkpointIntervalMs }: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sgw-test-'));
  const schema = database === 'postgres' ? await createSchema() : undefined;
  const sandbox = await startOpenproviderSandbox();
  const env: EnvConfig = {
    port: 0,
    host: '127.0.0.1',
    redisUrl: testRedisUrl,
    databaseUrl: schema ? testDatabaseUrl : undefined,
    dataDir,
    masterKey: randomBytes(32),
    subjectHashKey: randomBytes(32),
    logSigningKey: randomBytes(32),
    role: 'all',
    queuePrefix: uniqueName('sgwtest'),
    apiKeysFile: path.join(dataDir, 'api-keys.json'),
    logLevel: 'debug',
    production: false,
    recoveryMs: 30_000,
    ...overrides,
  };
  const supplier = sandboxSupplier(sandbox, queue);
  let logged = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (logged += chunk.toString()));
  // Made before the start, as an operator would: a key written a moment after the server read the file can miss its first request.
  const keys = Object.fromEntries(roles.map((role) => [role, createApiKey(env.apiKeysFile, `test-${role}`, role).token])) as Record<ApiRole, string>;
  const gateway = await startGateway({ env, suppliers: [supplier], connectorDefinition: getConnectorDefinition, log: createLogger('debug', stream), databaseSchema: schema?.schema, checkpointIntervalMs });
  const redis = new IORedis(testRedisUrl);
  // Made when a test first looks: a queue closed while it still connects reports the closing as an error.
  let deliveryQueue: Queue | undefined;
  return {
    ...gateway,
    url: gateway.url!,
    keys,
    sandbox,
    env,
    redis,
    get deliveryQueue() {
      deliveryQueue ??= new Queue(deliveryQueueName(supplier.id), { connection: redis, prefix: env.queuePrefix });
      return deliveryQueue;
    },
    logs: () => logged,
    async close() {
      await deliveryQueue?.close();
      redis.disconnect();
      await gateway.close();
      await sandbox.close();
      await removeRedisKeys(env.queuePrefix);
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The supplier entry that points the gateway at a sandbox. */
export function sandboxSupplier(sandbox: OpenproviderSandbox, queue?: Partial<QueuePolicy>): SupplierConfig {
  return {
    id: 'openprovider',
    connector: 'openprovider',
    config: { baseUrl: sandbox.url, username: sandbox.username, password: sandbox.password, timeoutMs: 5000 },
    queue: { ...defaultQueuePolicy, ...queue },
  };
}

export interface ApiAnswer {
  status: number;
  type: string;
  headers: Headers;
  text: string;
  json: any;
}

export async function api(
  gateway: { url: string },
  method: string,
  route: string,
  { token, body, headers = {}, raw }: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<ApiAnswer> {
  const sent: Record<string, string> = { ...headers };
  if (token) sent.authorization = `Bearer ${token}`;
  if (body !== undefined) sent['content-type'] ??= 'application/json';
  const response = await fetch(gateway.url + route, { method, headers: sent, body: body === undefined ? raw : JSON.stringify(body) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', headers: response.headers, text, json };
}

/** Obviously fake personal data, with canary values that leak checks search for. */
export const canary = { first: 'Zyxcanaryvoornaam', last: 'Qwcanaryachternaam', email: 'canary.zx81@example.nl', street: 'Canarystraatweg', dob: '1911-11-11', iban: 'NL91ABNA0417164300' };

export function registerBody(subjectId = uniqueName('cust-'), domain = `${uniqueName('jansen-')}.nl`) {
  return {
    supplier: 'openprovider',
    operation: 'domain.register',
    subject: { id: subjectId },
    purpose: 'domain_registration',
    basis: { type: 'contract', reference: uniqueName('order-') },
    data: {
      domain,
      period: 1,
      nameServers: ['ns1.example.net', 'ns2.example.net'],
      registrant: {
        firstName: canary.first,
        lastName: canary.last,
        email: canary.email,
        phone: '+31201234567',
        dateOfBirth: canary.dob,
        bankAccount: canary.iban,
        address: { street: canary.street, number: '12', postalCode: '1011AB', city: 'Amsterdam', country: 'NL' },
      },
    },
  };
}

export function leakedCanaries(text: string): string[] {
  return Object.values(canary).filter((value) => text.includes(value));
}

export async function transferStatus(gateway: Pick<TestGateway, 'url' | 'keys'>, id: string, want: string[], timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await api(gateway, 'GET', `/v1/transfers/${id}`, { token: gateway.keys.ops });
    if (want.includes(answer.json?.status)) return answer.json;
    if (Date.now() > deadline) throw new Error(`transfer ${id} is ${answer.json?.status}, not ${want.join('/')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
