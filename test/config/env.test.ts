import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/config-error';
import { loadEnv } from '../../src/config/env';

let dir: string;
let suppliersFile: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-env-'));
  suppliersFile = path.join(dir, 'suppliers.json');
  writeFileSync(suppliersFile, '{"suppliers": {}}');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const key = () => randomBytes(32).toString('base64');
/** A complete, valid environment; each test spoils one setting. */
const validEnv = (): Record<string, string> => ({
  SGW_DATA_DIR: path.join(dir, 'data'),
  SGW_MASTER_KEY: key(),
  SGW_SUBJECT_HASH_KEY: key(),
  SGW_LOG_SIGNING_KEY: key(),
});

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadEnv(env, () => undefined);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadEnv accepted the environment');
}

describe('loadEnv: a bad value stops the start with a ConfigError naming the variable', () => {
  test.each([
    ['PORT', 'notaport'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', ' '],
    ['PORT', '0x1F90'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_URL', '127.0.0.1:6379'],
    ['SGW_ROLE', 'both'],
    ['LOG_LEVEL', 'loud'],
    ['SGW_MASTER_KEY', Buffer.alloc(16, 7).toString('base64')],
    ['SGW_MASTER_KEY', 'not base64 at all!'],
    ['SGW_SUBJECT_HASH_KEY', Buffer.alloc(33, 7).toString('base64')],
    ['SGW_LOG_SIGNING_KEY', Buffer.alloc(64, 7).toString('base64')],
    ['DATABASE_URL', 'mysql://root@127.0.0.1/sgw'],
    ['SGW_QUEUE_PREFIX', 'sgw:{x}'],
    ['SGW_METRICS_TOKEN', 'fifteen-chars-x'],
    ['SGW_METRICS_TOKEN', 'a token long enough but with spaces'],
  ])('%s=%s', (variable, value) => {
    const error = configError({ ...validEnv(), [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable} `)).toBe(true);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  test('SGW_SUPPLIERS_FILE naming a file that does not exist', () => {
    const missing = path.join(dir, 'nope.json');
    const error = configError({ ...validEnv(), SGW_SUPPLIERS_FILE: missing });
    expect(error.variable).toBe('SGW_SUPPLIERS_FILE');
    expect(error.message).toContain(missing);
  });

  test('a good environment loads, with the documented defaults', () => {
    const env: Record<string, string> = { ...validEnv(), SGW_SUPPLIERS_FILE: suppliersFile, DATABASE_URL: 'postgresql://sgw@db.example.net/sgw' };
    expect(loadEnv(env, () => undefined)).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      redisUrl: 'redis://127.0.0.1:6379',
      role: 'all',
      queuePrefix: 'sgw',
      logLevel: 'info',
      suppliersFile,
      databaseUrl: env.DATABASE_URL,
      apiKeysFile: path.join(dir, 'data', 'api-keys.json'),
      masterKey: Buffer.from(env.SGW_MASTER_KEY, 'base64'),
      production: false,
      metricsToken: undefined,
    });
  });

  test('SGW_METRICS_TOKEN of 16 visible characters or more is taken as given', () => {
    const token = randomBytes(32).toString('base64');
    expect(loadEnv({ ...validEnv(), SGW_METRICS_TOKEN: token }, () => undefined).metricsToken).toBe(token);
  });
});

describe('loadEnv in production (NODE_ENV=production)', () => {
  const databaseUrl = 'postgres://sgw@db.example.net/sgw';
  const production = (given: Record<string, string>) => ({ NODE_ENV: 'production', SGW_DATA_DIR: path.join(dir, 'data'), ...given });

  test.each([
    ['nothing', () => ({}), 'DATABASE_URL, SGW_SUPPLIERS_FILE, SGW_MASTER_KEY, SGW_SUBJECT_HASH_KEY and SGW_LOG_SIGNING_KEY must be set when NODE_ENV=production (keys: openssl rand -base64 32)'],
    ['only the database', () => ({ DATABASE_URL: databaseUrl }), 'SGW_SUPPLIERS_FILE, SGW_MASTER_KEY, SGW_SUBJECT_HASH_KEY and SGW_LOG_SIGNING_KEY must be set when NODE_ENV=production (keys: openssl rand -base64 32)'],
    ['the keys only', () => ({ SGW_MASTER_KEY: key(), SGW_SUBJECT_HASH_KEY: key(), SGW_LOG_SIGNING_KEY: key() }), 'DATABASE_URL and SGW_SUPPLIERS_FILE must be set when NODE_ENV=production'],
    ['all but one key', () => ({ DATABASE_URL: databaseUrl, SGW_SUPPLIERS_FILE: suppliersFile, SGW_MASTER_KEY: key(), SGW_SUBJECT_HASH_KEY: key() }), 'SGW_LOG_SIGNING_KEY must be set when NODE_ENV=production (keys: openssl rand -base64 32)'],
  ])('given %s, names every missing setting in one line, and generates no key', (_given, given, message) => {
    const error = configError(production(given()));
    expect(error.message).toBe(message);
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  test('starts with all of them given', () => {
    const env = production({ DATABASE_URL: databaseUrl, SGW_SUPPLIERS_FILE: suppliersFile, SGW_MASTER_KEY: key(), SGW_SUBJECT_HASH_KEY: key(), SGW_LOG_SIGNING_KEY: key() });
    expect(loadEnv(env, () => undefined).production).toBe(true);
  });
});

describe('DATABASE_URL: a password with / # or ? not percent-encoded is refused, without echoing it', () => {
  test.each([
    ['a / that breaks the URL', 'postgres://sgw:pa/ss@db.example.net:5432/sgw', /^DATABASE_URL is not a valid URL: percent-encode .*\/ as %2F/],
    ['a / after digits, which reads as a port and a path', 'postgres://sgw:5432/ss@db.example.net/sgw', /^DATABASE_URL is ambiguous: .*\/ as %2F/],
    ['a # after digits', 'postgres://sgw:5432#ss@db.example.net/sgw', /^DATABASE_URL is ambiguous: .*# as %23/],
    ['a ? after digits', 'postgres://sgw:5432?ss@db.example.net/sgw', /^DATABASE_URL is ambiguous: .*\? as %3F/],
  ])('%s', (_case, url, message) => {
    const error = configError({ ...validEnv(), DATABASE_URL: url });
    expect(error.variable).toBe('DATABASE_URL');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('ss@');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  test.each(['postgres://sgw:pa%2Fss%23%3F@db.example.net:5432/sgw', 'postgresql://sgw:p@ss@db.example.net/sgw', 'postgres:///sgw?host=/var/run/postgresql'])('accepted: %s', (url) => {
    expect(loadEnv({ ...validEnv(), DATABASE_URL: url }, () => undefined).databaseUrl).toBe(url);
  });
});

describe('loadEnv outside production: missing keys are generated once into the data dir', () => {
  test('generated with a warning, mode 0600, and reused silently on the next load', () => {
    const dataDir = path.join(dir, 'data');
    const warnings: string[] = [];
    const first = loadEnv({ SGW_DATA_DIR: dataDir }, (line) => warnings.push(line));
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^SGW_MASTER_KEY is not set/);
    expect(warnings[1]).toMatch(/^SGW_SUBJECT_HASH_KEY is not set/);
    expect(warnings[2]).toMatch(/^SGW_LOG_SIGNING_KEY is not set/);
    for (const [file, generated] of [['master.key', first.masterKey], ['subject-hash.key', first.subjectHashKey], ['log-signing.key', first.logSigningKey]] as const) {
      const full = path.join(dataDir, file);
      expect(statSync(full).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(full, 'utf8'), 'base64')).toEqual(generated);
      expect(generated).toHaveLength(32);
    }
    expect(first.masterKey).not.toEqual(first.subjectHashKey);

    const again = loadEnv({ SGW_DATA_DIR: dataDir }, (line) => warnings.push(line));
    expect(warnings).toHaveLength(3);
    expect(again.masterKey).toEqual(first.masterKey);
    expect(again.subjectHashKey).toEqual(first.subjectHashKey);
    expect(again.logSigningKey).toEqual(first.logSigningKey);
  });

  test('a damaged key file stops the start and names the variable and the file', () => {
    const dataDir = path.join(dir, 'data');
    loadEnv({ SGW_DATA_DIR: dataDir }, () => undefined);
    writeFileSync(path.join(dataDir, 'master.key'), 'c2hvcnQ=');
    const error = configError({ SGW_DATA_DIR: dataDir });
    expect(error.message).toMatch(/^SGW_MASTER_KEY .*master\.key.* 32 bytes/);
  });

  test('a key given in the environment wins over the file and writes nothing', () => {
    const env = validEnv();
    expect(loadEnv(env, () => undefined).masterKey).toEqual(Buffer.from(env.SGW_MASTER_KEY, 'base64'));
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });
});
