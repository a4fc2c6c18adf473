import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getConnectorDefinition } from '../../connectors';
import { ConfigError } from '../../src/config/config-error';
import { defaultQueuePolicy, loadSuppliersFile, parseSuppliers } from '../../src/config/suppliers';

const secrets = { OP_USERNAME: 'reseller-jansen', OP_PASSWORD: 'not-a-real-password' };

function file(config: Record<string, unknown> = {}, entry: Record<string, unknown> = {}) {
  return {
    suppliers: {
      openprovider: {
        connector: 'openprovider',
        config: { baseUrl: 'https://api.openprovider.example/v1beta', username: { env: 'OP_USERNAME' }, password: { env: 'OP_PASSWORD' }, ...config },
        ...entry,
      },
    },
  };
}

const parse = (parsed: unknown, env: Record<string, string | undefined> = secrets) => parseSuppliers(parsed, getConnectorDefinition, env, 'SGW_SUPPLIERS_FILE');

function refusal(parsed: unknown, env?: Record<string, string | undefined>): ConfigError {
  try {
    parse(parsed, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('parseSuppliers accepted the file');
}

describe('parseSuppliers', () => {
  test('resolves {"env": NAME} secrets from the environment and applies the queue defaults', () => {
    expect(parse(file())).toEqual([
      {
        id: 'openprovider',
        connector: 'openprovider',
        config: { baseUrl: 'https://api.openprovider.example/v1beta', username: 'reseller-jansen', password: 'not-a-real-password' },
        queue: defaultQueuePolicy,
      },
    ]);
  });

  test('a partial queue policy keeps the defaults for the rest', () => {
    const [supplier] = parse(file({}, { queue: { attempts: 3, rateLimit: { max: 10, durationMs: 1000 } } }));
    expect(supplier.queue).toEqual({ ...defaultQueuePolicy, attempts: 3, rateLimit: { max: 10, durationMs: 1000 } });
  });

  test('backoff and breaker are set per supplier', () => {
    const queue = { backoff: { baseMs: 500, maxMs: 600_000 }, breaker: { threshold: 3, halfOpenAfterMs: 10_000 } };
    expect(parse(file({}, { queue }))[0].queue).toEqual({ ...defaultQueuePolicy, ...queue });
  });

  test.each([
    ['unset', {}],
    ['empty', { OP_PASSWORD: '' }],
  ])('a secret whose variable is %s stops the start, naming the variable and where it is used', (_case, env) => {
    const error = refusal(file(), { OP_USERNAME: 'reseller-jansen', ...env });
    expect(error.variable).toBe('OP_PASSWORD');
    expect(error.message).toBe('OP_PASSWORD is not set (referenced by SGW_SUPPLIERS_FILE /suppliers/openprovider/config/password)');
  });

  test('every unset secret is named at once, with each place that uses it', () => {
    const parsed = { suppliers: { ...file().suppliers, second: { ...file().suppliers.openprovider } } };
    const error = refusal(parsed, {});
    expect(error.message).toBe(
      'OP_USERNAME and OP_PASSWORD are not set (referenced by SGW_SUPPLIERS_FILE /suppliers/openprovider/config/username, SGW_SUPPLIERS_FILE /suppliers/second/config/username, SGW_SUPPLIERS_FILE /suppliers/openprovider/config/password, SGW_SUPPLIERS_FILE /suppliers/second/config/password)',
    );
  });

  test('an unknown connector is named', () => {
    const parsed = file();
    parsed.suppliers.openprovider.connector = 'openprovidr';
    expect(refusal(parsed).message).toMatch(/unknown connector "openprovidr"/);
  });

  test('the connector validates its own config: plain http to a host other than loopback is refused', () => {
    const error = refusal(file({ baseUrl: 'http://api.openprovider.example/v1beta' }));
    expect(error.variable).toBe('SGW_SUPPLIERS_FILE /suppliers/openprovider/config/baseUrl');
    expect(error.message).toMatch(/is invalid: must match pattern/);
  });

  test.each(['http://127.0.0.1:8443/v1beta', 'http://localhost/v1beta', 'https://api.openprovider.eu/v1beta'])('a secure base URL is accepted: %s', (baseUrl) => {
    expect(parse(file({ baseUrl }))[0].config.baseUrl).toBe(baseUrl);
  });

  test.each(['http://127.0.0.1.nip.example/v1beta', 'http://localhost@evil.example/v1beta', 'ftp://api.openprovider.eu'])('a disguised insecure base URL is refused: %s', (baseUrl) => {
    expect(refusal(file({ baseUrl })).variable).toMatch(/config\/baseUrl$/);
  });

  test('a missing password is refused by the connector schema', () => {
    const parsed = file();
    delete (parsed.suppliers.openprovider.config as Record<string, unknown>).password;
    expect(refusal(parsed).message).toMatch(/^SGW_SUPPLIERS_FILE \/suppliers\/openprovider\/config is invalid: must have required property 'password'/);
  });

  test.each([
    ['the file', { ...file(), defaults: {} }, /invalid at \/: must NOT have additional properties/],
    ['a supplier', file({}, { retries: 3 }), /invalid at \/suppliers\/openprovider: must NOT have additional properties/],
    ['a queue policy', file({}, { queue: { attempt: 3 } }), /invalid at \/suppliers\/openprovider\/queue: must NOT have additional properties/],
    ['a connector config', file({ pasword: 'typo' }), /config is invalid: must NOT have additional properties/],
  ])('an unknown key in %s is refused, never ignored', (_where, parsed, message) => {
    expect(refusal(parsed).message).toMatch(message);
  });

  test('queue limits are checked', () => {
    expect(refusal(file({}, { queue: { concurrency: 0 } })).message).toMatch(/queue\/concurrency: must be >= 1/);
    expect(refusal(file({}, { queue: { breaker: { threshold: 0, halfOpenAfterMs: 30_000 } } })).message).toMatch(/queue\/breaker\/threshold: must be >= 1/);
    expect(refusal(file({}, { queue: { backoff: { baseMs: 1000 } } })).message).toMatch(/queue\/backoff: must have required property 'maxMs'/);
  });

  test('a backoff whose cap is below its base is refused, naming the cap', () => {
    const error = refusal(file({}, { queue: { backoff: { baseMs: 60_000, maxMs: 1000 } } }));
    expect(error.message).toBe('SGW_SUPPLIERS_FILE /suppliers/openprovider/queue/backoff/maxMs is invalid: must be at least baseMs');
  });
});

describe('loadSuppliersFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-suppliers-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads a file as parseSuppliers does', () => {
    const written = path.join(dir, 'suppliers.json');
    writeFileSync(written, JSON.stringify(file()));
    expect(loadSuppliersFile(written, getConnectorDefinition, secrets)[0].config.password).toBe('not-a-real-password');
  });

  test('a file that is not JSON is one clear line naming SGW_SUPPLIERS_FILE', () => {
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"suppliers": {');
    const load = () => loadSuppliersFile(broken, getConnectorDefinition, secrets);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^SGW_SUPPLIERS_FILE is not readable JSON \([^\n]+\)$/);
  });
});
