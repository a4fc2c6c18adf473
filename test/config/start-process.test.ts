import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadAgreements, schemasDir } from '../../src/agreements/agreements';
import { writeBundledSuppliersFile } from '../support/bundled-suppliers';
import { freePort, runUntilExit, spawnProcess, stackLines, startedLine } from '../support/gateway-process';
import { removeRedisKeys, sql, testDatabaseUrl, testRedisUrl, uniqueName } from '../support/services';

let dir: string;
let database: string;
let suppliersFile: string;
let bundled: { close(): Promise<void> };
const queuePrefix = uniqueName('sgwstart');
const key = Buffer.alloc(32, 1).toString('base64');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-start-'));
  database = uniqueName('sgw_start_');
  await sql(`create database ${database}`);
  // Every supplier the agreements know, at its sandbox: no delivery runs in these tests.
  suppliersFile = path.join(dir, 'suppliers.json');
  bundled = await writeBundledSuppliersFile(suppliersFile);
});
afterAll(async () => {
  await bundled.close();
  await sql(`drop database ${database} with (force)`);
  await removeRedisKeys(queuePrefix);
  rmSync(dir, { recursive: true, force: true });
});

/** Everything a start needs, each test spoiling one thing. */
const databaseUrl = (change: (url: URL) => void = () => undefined) => {
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${database}`;
  change(url);
  return url.toString();
};
const settings = (given: Record<string, string> = {}) => ({
  SGW_DATA_DIR: path.join(dir, 'data'),
  SGW_SUPPLIERS_FILE: suppliersFile,
  SGW_MASTER_KEY: key,
  SGW_SUBJECT_HASH_KEY: key,
  SGW_LOG_SIGNING_KEY: key,
  SGW_QUEUE_PREFIX: queuePrefix,
  REDIS_URL: testRedisUrl,
  DATABASE_URL: databaseUrl(),
  PORT: '0',
  ...given,
});

/** Refused: exit code 1, exactly `line` on stderr, nothing on stdout, no stack anywhere. */
async function expectRefusal(env: Record<string, string>, line: string) {
  const result = await runUntilExit(env);
  expect(result.stderr).toBe(`${line}\n`);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(stackLines(result.stdout + result.stderr)).toEqual([]);
  expect(result.ms).toBeLessThan(15_000);
}

describe('the process refuses a bad setting with one clear line and no stack', () => {
  test.each([
    ['PORT=notaport', () => settings({ PORT: 'notaport' }), 'supplier-gateway: PORT must be an integer from 0 to 65535'],
    [
      'production with nothing set names every missing setting at once',
      () => ({ NODE_ENV: 'production', SGW_DATA_DIR: path.join(dir, 'data') }),
      'supplier-gateway: DATABASE_URL, SGW_SUPPLIERS_FILE, SGW_MASTER_KEY, SGW_SUBJECT_HASH_KEY and SGW_LOG_SIGNING_KEY must be set when NODE_ENV=production (keys: openssl rand -base64 32)',
    ],
    [
      'production without the key that signs the shares log',
      () => {
        const { SGW_LOG_SIGNING_KEY: _unset, ...rest } = settings({ NODE_ENV: 'production' });
        return rest;
      },
      'supplier-gateway: SGW_LOG_SIGNING_KEY must be set when NODE_ENV=production (keys: openssl rand -base64 32)',
    ],
    [
      'a suppliers file naming a supplier without an agreement',
      () => {
        const file = path.join(dir, 'acme.json');
        writeFileSync(file, JSON.stringify({ suppliers: { acme: { connector: 'openprovider', config: { baseUrl: 'https://api.acme.example/v1beta', username: 'u', password: 'p' } } } }));
        return settings({ SGW_SUPPLIERS_FILE: file });
      },
      'supplier-gateway: SGW_SUPPLIERS_FILE names supplier "acme", which has no schemas/acme/agreement.json',
    ],
    [
      'a database that does not answer',
      () => settings({ DATABASE_URL: databaseUrl((url) => (url.port = '1')) }),
      'supplier-gateway: the database is unreachable (DATABASE_URL); start it or fix the URL',
    ],
    [
      'a database that does not exist',
      () => settings({ DATABASE_URL: databaseUrl((url) => (url.pathname = '/sgw_no_such_database')) }),
      'supplier-gateway: DATABASE_URL names database "sgw_no_such_database", which does not exist on that server; create it or fix the URL',
    ],
    [
      'a database role that does not exist',
      () => settings({ DATABASE_URL: databaseUrl((url) => (url.username = 'sgw_no_such_role')) }),
      'supplier-gateway: DATABASE_URL names user "sgw_no_such_role", whom the server does not let in (28000: no such role, or pg_hba.conf has no entry for it); create the role or fix the URL',
    ],
    [
      'a password with / not percent-encoded',
      () => settings({ DATABASE_URL: `postgres://postgres:pass/word@127.0.0.1:5432/${database}` }),
      'supplier-gateway: DATABASE_URL is not a valid URL: percent-encode special characters in the user name and password (/ as %2F, # as %23, ? as %3F)',
    ],
    [
      'a password of digits and / not percent-encoded, which reads as a port and a path',
      () => settings({ DATABASE_URL: `postgres://postgres:1234/5678@127.0.0.1:5432/${database}` }),
      'supplier-gateway: DATABASE_URL is ambiguous: its password seems to hold a / # or ?; percent-encode them (/ as %2F, # as %23, ? as %3F)',
    ],
  ])('%s', async (_case, env, line) => {
    await expectRefusal(env(), line);
  });

  test('a port in use names the port and the host', async () => {
    const port = await freePort();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      await expectRefusal(settings({ PORT: String(port), HOST: '127.0.0.1' }), `supplier-gateway: PORT ${port} is in use on 127.0.0.1 (HOST) by another process; stop it or choose another PORT`);
    } finally {
      holder.close();
    }
  });
});

test('each supplier with an agreement but no entry in the suppliers file is named in one start line; the start goes on', async () => {
  const empty = path.join(dir, 'no-suppliers.json');
  writeFileSync(empty, '{"suppliers": {}}');
  const gateway = spawnProcess(settings({ SGW_SUPPLIERS_FILE: empty, SGW_ROLE: 'api' }));
  try {
    await gateway.logged(startedLine);
    expect(gateway.logLines().filter((line) => line.level !== 'info')).toEqual(
      [...loadAgreements(schemasDir).keys()].map((supplier) => ({
        level: 'warn',
        message: 'supplier has an agreement but no entry in the suppliers file: its transfers are refused with 404',
        supplier,
        timestamp: expect.any(String),
      })),
    );
  } finally {
    gateway.process.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
  }
});
