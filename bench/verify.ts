import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { promisify } from 'node:util';
import canonicalize from 'canonicalize';
import { Client } from 'pg';
import { createApiKey } from '../src/api/api-keys';
import type { ShareEntry } from '../src/shares/events';
import type { Verification } from '../src/shares/verification';
import { benchEnvironment, root, startServer, stop } from './processes';

/**
 * `npm run bench`, verify row. `BENCH_VERIFY_ENTRIES` (1,000,000) shares-log entries are written as a valid chain
 * (hashed here by the formula of docs/shares-log.md, as `sgw_append_shares` hashes them, which would take a
 * minute and a half for a million), and the head signed; then the whole log is verified twice: by
 * `GET /v1/shares/verify` on a running gateway, and by the offline `sgw shares verify --database-url …`.
 */
const entries = Number(process.env.BENCH_VERIFY_ENTRIES ?? 1_000_000);
const batchSize = 10_000;

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

/** node:http rather than fetch, whose default gives up on an answer that takes over five minutes to start. */
function getJson<T>(url: string, token: string, method = 'GET'): Promise<T> {
  return new Promise((resolve, reject) => {
    http.request(url, { method, headers: { authorization: `Bearer ${token}` } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve(JSON.parse(text) as T));
    })
      .on('error', reject)
      .end();
  });
}

async function main(): Promise<void> {
  const environment = await benchEnvironment('verify');
  const gatewayDatabaseUrl = environment.databaseUrl;
  const db = new Client({ connectionString: gatewayDatabaseUrl });
  try {
    const privacy = createApiKey(environment.keysFile, 'bench-privacy', 'privacy').token;
    const gateway = await startServer('src/start.ts', environment.gatewayEnv);
    await db.connect();
    const [, appendSeconds] = await timed(async () => {
      let prevHash = '0'.repeat(64);
      for (let first = 1; first <= entries; first += batchSize) {
        const rows: [number, string, string, string][] = [];
        for (let seq = first; seq < first + batchSize && seq <= entries; seq++) {
          const canonical = entry(seq);
          const hash = createHash('sha256').update(`{"entry":${canonical},"prevHash":"${prevHash}","seq":${seq}}`).digest('hex');
          rows.push([seq, canonical, prevHash, hash]);
          prevHash = hash;
        }
        const columns = [0, 1, 2, 3].map((column) => rows.map((row) => row[column]));
        await db.query('insert into share_log (seq, entry, prev_hash, hash) select * from unnest($1::bigint[], $2::jsonb[], $3::text[], $4::text[])', columns);
      }
    });
    console.log(`verify: wrote ${entries} chained entries in ${appendSeconds.toFixed(1)} s`);
    const signed = await getJson<{ seq: number }>(`${gateway.url}/v1/shares/checkpoint`, privacy, 'POST');

    const [verification, apiSeconds] = await timed(() => getJson<Verification>(`${gateway.url}/v1/shares/verify`, privacy));
    const [offline, offlineSeconds] = await timed(async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['bin/sgw.js', 'shares', 'verify', '--database-url', gatewayDatabaseUrl, '--json'], { cwd: root, maxBuffer: 1 << 20 });
      return JSON.parse(stdout) as Verification;
    });
    for (const [path, outcome, seconds] of [['GET /v1/shares/verify', verification, apiSeconds], ['sgw shares verify', offline, offlineSeconds]] as const) {
      console.log(`verify: ${path} of ${outcome.entries} entries against the checkpoint at ${outcome.checkpoint?.seq}: ok ${outcome.ok} in ${seconds.toFixed(1)} s`);
    }
    if (!verification.ok || !offline.ok || signed.seq !== entries) throw new Error('the benchmark log did not verify');
    await stop(gateway.child);
  } finally {
    await db.end().catch(() => undefined);
    await environment.dispose();
  }
}

void main();
