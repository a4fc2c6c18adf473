import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startOpenproviderSandbox, type OpenproviderSandbox, type OpenproviderSandboxOptions } from '../../connectors/openprovider/sandbox';
import { createApiKey, roles, type ApiRole } from '../../src/api/api-keys';
import { spawnProcess, startCommand, startedLine, type RunningProcess } from './gateway-process';
import { removeRedisKeys, sql, testDatabaseUrl, testRedisUrl, uniqueName } from './services';

export interface ChildGateway {
  /** Unset for a worker-only process (SGW_ROLE=worker). */
  url: string;
  keys: Record<ApiRole, string>;
  process: ChildProcess;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote to stdout and stderr. */
  output(): string;
  /** `work`, or a rejection with the process's output should it end first. */
  whileRunning<T>(work: Promise<T>): Promise<T>;
}

export interface ChildGatewayFixture {
  sandbox: OpenproviderSandbox;
  keys: Record<ApiRole, string>;
  queuePrefix: string;
  /** Runs a statement in the gateway's own database. */
  query<Row = Record<string, unknown>>(statement: string, params?: unknown[]): Promise<Row[]>;
  /**
   * Starts `npm start`'s command (or `command`, such as the build's `dist/src/start.js`) with this fixture's
   * environment plus `extraEnv`; every start shares the database, queue prefix and keys.
   */
  start(extraEnv?: Record<string, string>, command?: string[]): Promise<ChildGateway>;
  /** As `start`, without waiting for the process to be up: it may be killed at any moment of its life. */
  launch(extraEnv?: Record<string, string>): ChildProcess;
  /** Kills any child still running, then removes the database, queue keys, sandbox and files. */
  close(): Promise<void>;
}

/**
 * The gateway as its own process (`node --import tsx src/start.ts`), configured only through the
 * environment and a suppliers file as in production, so a test can SIGKILL or SIGTERM it. It gets a
 * fresh PostgreSQL database (the process has no schema setting), its own queue prefix and a real
 * Openprovider sandbox running in the test process.
 */
export async function createChildGatewayFixture(
  options: { sandbox?: OpenproviderSandboxOptions; queue?: { attempts?: number } } = {},
): Promise<ChildGatewayFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-child-'));
  const database = uniqueName('sgw_child_');
  await sql(`create database ${database}`);
  const databaseUrl = Object.assign(new URL(testDatabaseUrl), { pathname: `/${database}` }).toString();
  const sandbox = await startOpenproviderSandbox(options.sandbox);
  const suppliersFile = path.join(dir, 'suppliers.json');
  const suppliers = {
    suppliers: {
      openprovider: {
        connector: 'openprovider',
        config: { baseUrl: sandbox.url, username: { env: 'OPENPROVIDER_USERNAME' }, password: { env: 'OPENPROVIDER_PASSWORD' } },
        ...(options.queue && { queue: options.queue }),
      },
    },
  };
  writeFileSync(suppliersFile, JSON.stringify(suppliers));
  const apiKeysFile = path.join(dir, 'api-keys.json');
  const keys = Object.fromEntries(roles.map((role) => [role, createApiKey(apiKeysFile, `test-${role}`, role).token])) as Record<ApiRole, string>;
  const queuePrefix = uniqueName('sgwchild');
  const env = {
    PATH: process.env.PATH,
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: testRedisUrl,
    DATABASE_URL: databaseUrl,
    SGW_DATA_DIR: path.join(dir, 'data'),
    SGW_QUEUE_PREFIX: queuePrefix,
    SGW_MASTER_KEY: randomBytes(32).toString('base64'),
    SGW_SUBJECT_HASH_KEY: randomBytes(32).toString('base64'),
    SGW_LOG_SIGNING_KEY: randomBytes(32).toString('base64'),
    SGW_API_KEYS_FILE: apiKeysFile,
    SGW_SUPPLIERS_FILE: suppliersFile,
    OPENPROVIDER_USERNAME: sandbox.username,
    OPENPROVIDER_PASSWORD: sandbox.password,
    LOG_LEVEL: 'info',
  };
  const children = new Set<ChildProcess>();

  return {
    sandbox,
    keys,
    queuePrefix,
    async query<Row>(statement: string, params: unknown[] = []) {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(statement, params)).rows as Row[];
      } finally {
        await client.end();
      }
    },
    async start(extraEnv = {}, command = startCommand) {
      const running = spawnProcess({ ...env, ...extraEnv }, command);
      children.add(running.process);
      return startedGateway(running, keys);
    },
    launch(extraEnv = {}) {
      const { process: child } = spawnProcess({ ...env, ...extraEnv });
      children.add(child);
      return child;
    },
    async close() {
      await Promise.all(
        [...children].map((child) => {
          if (child.exitCode !== null || child.signalCode !== null) return undefined;
          child.kill('SIGKILL');
          return new Promise((resolve) => child.once('exit', resolve));
        }),
      );
      await sandbox.close();
      await removeRedisKeys(queuePrefix);
      await sql(`drop database ${database} with (force)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the process logged that it started; rejects with its output when it ends first or is silent for too long. */
async function startedGateway(running: RunningProcess, keys: Record<ApiRole, string>): Promise<ChildGateway> {
  const started = await running.logged(startedLine).catch((error: unknown) => {
    running.process.kill('SIGKILL');
    throw error;
  });
  const ended = running.exited.then(({ code, signal }) => {
    throw new Error(`gateway process ended (code ${code}, signal ${signal}):\n${running.output()}`);
  });
  ended.catch(() => undefined);
  return {
    url: typeof started.url === 'string' ? started.url : '',
    keys,
    process: running.process,
    exited: running.exited,
    output: running.output,
    whileRunning: (work) => Promise.race([work, ended]),
  };
}
