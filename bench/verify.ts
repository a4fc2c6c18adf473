import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { Client } from 'pg';
import { createApiKey } from '../src/api/api-keys';
import type { ShareEntry } from '../src/shares/events';
import { children, startServer, stop } from './processes';

/**
 * `npm run bench`, verify row. `BENCH_VERIFY_ENTRIES` (1,000,000) shares-log entries are appended through
 * `sgw_append_shares`, as the gateway appends them (so the rows are a valid chain), in batches; then the whole
 * log is verified twice: by `GET /v1/shares/verify` on a running gateway, and by the offline
 * `sgw shares verify --database-url …`, which reads the table and recomputes every hash itself.
 */
const entries = Number(process.env.BENCH_VERIFY_ENTRIES ?? 1_000_000);
const batchSize = 10_000;
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A delivery entry the size of a real one, different for each n. */
function entry(n: number): string {
  const shared: ShareEntry = {
    v: 1,
    at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    event: 'delivery.attempted',
    transferId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    supplier: 'openprovider',
    recipient: 'Openprovider B.V.',
    operation: 'domain.register',
    purpose: 'domain_registration',
    basis: { type: 'contract', reference: `order-${n}` },
    subject: randomBytes(32).toString('hex'),
    agreementReference: 'DPA-OPENPROVIDER-2026',
    schemaId: 'https://schemas.supplier-gateway.local/openprovider/v1/domain.register.request.schema.json',
    fieldsShared: ['/data/domain', '/data/registrant/firstName', '/data/registrant/lastName', '/data/registrant/email', '/data/registrant/phone'],
    fieldsWithheld: ['/data/registrant/dateOfBirth'],
    categories: ['user.contact.email', 'user.contact.phone_number', 'user.name'],
    attempt: 1,
  };
  return canonicalize(shared)!;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, (performance.now() - started) / 1000];
}

/** node:http rather than fetch, whose default gives up on an answer whose headers take over five minutes. */
function getJson<T>(url: string, token: string): Promise<T> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve(JSON.parse(text) as T));
    }).on('error', reject);
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sgw-verify-'));
  const database = `sgw_verify_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const gatewayDatabaseUrl = Object.assign(new URL(databaseUrl), { pathname: `/${database}` }).toString();
  const db = new Client({ connectionString: gatewayDatabaseUrl });
  try {
    const keysFile = path.join(dataDir, 'api-keys.json');
    const privacy = createApiKey(keysFile, 'bench-privacy', 'privacy').token;
    const gateway = await startServer('src/start.ts', {
      DATABASE_URL: gatewayDatabaseUrl,
      REDIS_URL: redisUrl,
      SGW_DATA_DIR: dataDir,
      SGW_API_KEYS_FILE: keysFile,
      SGW_QUEUE_PREFIX: `sgwverify${randomBytes(3).toString('hex')}`,
      SGW_MASTER_KEY: randomBytes(32).toString('base64'),
      SGW_SUBJECT_HASH_KEY: randomBytes(32).toString('base64'),
      SGW_LOG_SIGNING_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    });
    await db.connect();
    const [, appendSeconds] = await timed(async () => {
      for (let first = 1; first <= entries; first += batchSize) {
        const batch = Array.from({ length: Math.min(batchSize, entries - first + 1) }, (_, index) => entry(first + index));
        await db.query('select sgw_append_shares($1::text[])', [batch]);
      }
    });
    console.log(`verify: appended ${entries} entries through sgw_append_shares in ${appendSeconds.toFixed(1)} s`);

    const [verification, apiSeconds] = await timed(() => getJson<{ ok: boolean; entries: number }>(`${gateway.url}/v1/shares/verify`, privacy));
    console.log(`verify: GET /v1/shares/verify of ${verification.entries} entries: ok ${verification.ok} in ${apiSeconds.toFixed(1)} s`);
    await stop(gateway.child);
  } finally {
    await Promise.all(children.map(stop));
    await db.end().catch(() => undefined);
    await admin.query(`drop database ${database} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
