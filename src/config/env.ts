import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, listOf } from './config-error';

export type Role = 'all' | 'api' | 'worker';
const roles: readonly Role[] = ['all', 'api', 'worker'];
const logLevels = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

export interface EnvConfig {
  port: number;
  host: string;
  redisUrl: string;
  /** Unset: embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  masterKey: Buffer;
  subjectHashKey: Buffer;
  /** The Ed25519 seed that signs share-log checkpoints. */
  logSigningKey: Buffer;
  role: Role;
  queuePrefix: string;
  /** Unset: the bundled supplier sandboxes, started in-process. */
  suppliersFile?: string;
  apiKeysFile: string;
  logLevel: (typeof logLevels)[number];
  production: boolean;
  /** How soon work lost with a dead worker process or an emptied Redis is taken up again. */
  recoveryMs: number;
  /** Unset: /metrics is open, like /healthz, on a listener that is on loopback by default. */
  metricsToken?: string;
}

type Env = Record<string, string | undefined>;

/** What production cannot run without: nothing is generated or embedded there. */
const requiredInProduction = ['DATABASE_URL', 'SGW_SUPPLIERS_FILE', 'SGW_MASTER_KEY', 'SGW_SUBJECT_HASH_KEY', 'SGW_LOG_SIGNING_KEY'];

/**
 * Reads and checks every setting (README, "Configuration"); throws a ConfigError naming the first bad one, or, in
 * production, every missing one at once, so that one restart fixes them all.
 */
export function loadEnv(env: Env = process.env, warn: (line: string) => void = console.warn): EnvConfig {
  const production = env.NODE_ENV === 'production';
  const missing = production ? requiredInProduction.filter((name) => !optional(env, name)) : [];
  if (missing.length) {
    const keyHint = missing.some((name) => name.endsWith('_KEY')) ? ' (keys: openssl rand -base64 32)' : '';
    throw new ConfigError(listOf(missing), `must be set when NODE_ENV=production${keyHint}`);
  }
  const dataDir = path.resolve(env.SGW_DATA_DIR || './data');
  const databaseUrl = optional(env, 'DATABASE_URL');
  const suppliersFile = optional(env, 'SGW_SUPPLIERS_FILE');
  if (databaseUrl) checkDatabaseUrl(databaseUrl);
  if (suppliersFile && !existsSync(suppliersFile)) throw new ConfigError('SGW_SUPPLIERS_FILE', `names a file that does not exist: ${suppliersFile}`);

  const redisUrl = env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  const role = (env.SGW_ROLE || 'all') as Role;
  if (!roles.includes(role)) throw new ConfigError('SGW_ROLE', `must be one of ${roles.join(', ')}`);
  const logLevel = (env.LOG_LEVEL || 'info') as EnvConfig['logLevel'];
  if (!logLevels.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${logLevels.join(', ')}`);
  const queuePrefix = env.SGW_QUEUE_PREFIX || 'sgw';
  if (!/^[A-Za-z0-9_.-]+$/.test(queuePrefix)) throw new ConfigError('SGW_QUEUE_PREFIX', 'may hold only letters, digits, _ . and -');

  return {
    port: port(env.PORT),
    host: env.HOST || '127.0.0.1',
    redisUrl,
    databaseUrl,
    dataDir,
    masterKey: secretKey(env, 'SGW_MASTER_KEY', 'master.key', dataDir, warn),
    subjectHashKey: secretKey(env, 'SGW_SUBJECT_HASH_KEY', 'subject-hash.key', dataDir, warn),
    logSigningKey: secretKey(env, 'SGW_LOG_SIGNING_KEY', 'log-signing.key', dataDir, warn),
    role,
    queuePrefix,
    suppliersFile,
    apiKeysFile: apiKeysFile(env),
    logLevel,
    production,
    recoveryMs: recoveryMs(env.SGW_RECOVERY_MS),
    metricsToken: metricsToken(optional(env, 'SGW_METRICS_TOKEN')),
  };
}

/** The keys file is all the CLI needs: it must not demand the server's secrets. */
export function apiKeysFile(env: Env = process.env): string {
  return path.resolve(env.SGW_API_KEYS_FILE || path.join(env.SGW_DATA_DIR || './data', 'api-keys.json'));
}

/**
 * A URL pg reads as meant. A `/`, `#` or `?` in an unencoded password ends the host part early, so the
 * URL does not parse or names another host (the rest becomes its path); the URL itself is never echoed,
 * since it holds the password.
 */
function checkDatabaseUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a valid URL: percent-encode special characters in the user name and password (/ as %2F, # as %23, ? as %3F)');
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  const database = parsed.pathname.slice(1);
  if (database.includes('/') || `${database}${parsed.search}${parsed.hash}`.includes('@')) {
    throw new ConfigError('DATABASE_URL', 'is ambiguous: its password seems to hold a / # or ?; percent-encode them (/ as %2F, # as %23, ? as %3F)');
  }
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function port(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 8080;
  // Digits only: Number() would read ' ' as 0 (a random port) and '0x1F90' as 8080.
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError('PORT', 'must be an integer from 0 to 65535');
  return value;
}

function recoveryMs(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 30_000;
  const value = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1000 && value <= 3_600_000)) throw new ConfigError('SGW_RECOVERY_MS', 'must be a whole number of milliseconds from 1000 to 3600000');
  return value;
}

/** A Bearer token, so one word of visible ASCII; long enough not to be guessed. */
function metricsToken(token: string | undefined): string | undefined {
  if (token !== undefined && !/^[\x21-\x7e]{16,}$/.test(token)) {
    throw new ConfigError('SGW_METRICS_TOKEN', 'must be at least 16 visible ASCII characters without spaces (openssl rand -base64 32)');
  }
  return token;
}

/**
 * A 32-byte key from base64. Outside production a missing key is generated once into the data dir
 * (so restarts can still read what was sealed), with a warning; production refused its absence already.
 */
function secretKey(env: Env, name: string, fileName: string, dataDir: string, warn: (line: string) => void): Buffer {
  const raw = optional(env, name);
  if (raw) return decodeKey(name, raw);
  const file = path.join(dataDir, fileName);
  if (existsSync(file)) return decodeKey(`${name} (from ${file})`, readFileSync(file, 'utf8').trim());
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  warn(`${name} is not set: generated one into ${file}. Set it explicitly in production.`);
  return key;
}

function decodeKey(name: string, raw: string): Buffer {
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32 || key.toString('base64') !== raw.replace(/\s/g, '')) throw new ConfigError(name, 'must be base64 of exactly 32 bytes');
  return key;
}
