import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { DatabaseError } from 'pg';
import { ConfigError } from '../../src/config/config-error';
import { SupplierRejectedError } from '../../src/connector-kit';
import { connectorLogger, createLogger } from '../../src/log/logger';
import { DatabaseUnavailableError } from '../../src/store';
import { canary, leakedCanaries, registerBody } from '../support/gateway';

/** A logger writing JSON lines into memory, and the lines it wrote so far. */
function memoryLogger(level = 'debug') {
  let written = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  const log = createLogger(level, stream);
  return { log, lines: () => written.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>), text: () => written };
}

/**
 * The fields a line may carry, written out again here so that widening the logger's list is a decision
 * this test makes visible. `level`, `message`, `timestamp` and `droppedFields` are the logger's own.
 */
const listedFields = [
  'transferId', 'apiKeyId', 'jobId', 'supplier', 'suppliers', 'connector', 'operation', 'call', 'connection',
  'code', 'opCode', 'reason', 'status', 'retryable', 'outcomeUnknown', 'confirmedBy', 'error',
  'count', 'attempt', 'attempts', 'durationMs', 'retryInMs', 'retryAfterMs',
  'method', 'route', 'httpStatus', 'field', 'pointer', 'fields',
  'role', 'url', 'database', 'signal', 'setting', 'port',
];
const ownFields = ['level', 'message', 'timestamp', 'droppedFields'];
const domain = 'jansen-canarydomein.nl';

describe('log lines carry only listed fields', () => {
  test('listed fields keep their values', () => {
    const { log, lines } = memoryLogger();
    const fields = {
      transferId: 't-1', apiKeyId: 'k-1', jobId: 'j-1', supplier: 'openprovider', suppliers: ['openprovider'], connector: 'openprovider',
      operation: 'domain.register', call: 'customers.create', connection: 'producer', code: 'domain_taken', opCode: 346, reason: 'purpose-not-covered',
      status: 'queued', retryable: false, outcomeUnknown: true, confirmedBy: 'lookup', count: 3, attempt: 2, attempts: 8, durationMs: 12.5, retryInMs: 2000,
      retryAfterMs: 1000, method: 'POST', route: '/v1/transfers', httpStatus: 429, field: 'email', pointer: '/data/registrant/email',
      fields: ['/data/domain'], role: 'all', url: 'http://127.0.0.1:8080', database: 'pglite', signal: 'SIGTERM', setting: 'PORT', port: 8080,
    };
    log.info('everything listed', fields);
    const [line] = lines();
    expect(line).toEqual({ ...fields, level: 'info', message: 'everything listed', timestamp: expect.any(String) });
    expect(Object.keys(fields).sort()).toEqual(listedFields.filter((key) => key !== 'error').sort());
  });

  test('any other field is dropped and counted, whatever it holds', () => {
    const { log, lines, text } = memoryLogger();
    const { registrant } = registerBody().data;
    log.warn('delivery', {
      transferId: 't-1',
      Email: canary.email,
      firstName: canary.first,
      registrant,
      domain,
      password: 'hunter2-not-real',
      authorization: 'Bearer sgw_abc',
      note: `ask ${canary.email}`,
      transferid: canary.last,
    });
    const [line] = lines();
    expect(line).toEqual({ transferId: 't-1', droppedFields: 8, level: 'warn', message: 'delivery', timestamp: expect.any(String) });
    expect(leakedCanaries(text())).toEqual([]);
    expect(text()).not.toContain(domain);
    expect(text()).not.toContain('hunter2');
  });

  test("a registrant's fields logged by mistake, one by one, leak none of the canary values", () => {
    const { log, text } = memoryLogger();
    const { registrant } = registerBody().data;
    log.warn('registrant fields', { ...registrant, ...registrant.address });
    expect(leakedCanaries(text())).toEqual([]);
    expect(text()).toContain('registrant fields');
  });

  test('a listed field with a value of the wrong kind is dropped; a list keeps only texts', () => {
    const { log, lines, text } = memoryLogger();
    log.info('kinds', {
      count: canary.email,
      retryable: canary.first,
      transferId: { email: canary.email },
      suppliers: ['openprovider', { street: canary.street }, [canary.last]],
      fields: canary.iban,
      durationMs: Infinity,
    });
    const [line] = lines();
    expect(line).toEqual({ suppliers: ['openprovider', '[not-allowed]', '[not-allowed]'], droppedFields: 5, level: 'info', message: 'kinds', timestamp: expect.any(String) });
    expect(leakedCanaries(text())).toEqual([]);
  });

  test('a listed field left unset is left out, not counted as dropped', () => {
    const { log, lines } = memoryLogger();
    log.warn('delivery attempt failed', { transferId: 't-2', code: 'supplier.rejected.domain_taken', error: undefined });
    expect(lines()).toEqual([{ transferId: 't-2', code: 'supplier.rejected.domain_taken', level: 'warn', message: 'delivery attempt failed', timestamp: expect.any(String) }]);
  });

  test('texts, lists and the message are bounded in length', () => {
    const { log, lines } = memoryLogger();
    log.info('x'.repeat(10_000), { code: 'c'.repeat(10_000), suppliers: Array.from({ length: 500 }, (_, index) => `s${index}`) });
    const [line] = lines();
    expect(line.message.length).toBeLessThanOrEqual(201);
    expect(line.code.length).toBeLessThanOrEqual(101);
    expect(line.suppliers.length).toBe(50);
  });

  // Messages are fixed text; one with a %-token would make winston keep the fields for a splat format instead.
  const message = fc.string().filter((text) => !text.includes('%'));

  test('generated fields: only listed keys come out, and no text over its bound', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 20 }), message, (fields, message) => {
        const { log, lines } = memoryLogger();
        log.info(message, fields);
        const [line] = lines();
        for (const key of Object.keys(line)) expect([...listedFields, ...ownFields]).toContain(key);
        // winston's merge makes a `__proto__` field the entry's prototype, which JSON never writes.
        const unlisted = Object.keys(fields).filter((key) => ![...listedFields, ...ownFields, '__proto__'].includes(key));
        expect(line.droppedFields ?? 0).toBeGreaterThanOrEqual(unlisted.length);
        for (const value of Object.values(line)) if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(201);
      }),
      { numRuns: 300 },
    );
  });
});

describe('errors are logged by name and code, not by message', () => {
  /** What PostgreSQL answers for a duplicate: its message and detail echo the values. */
  const databaseError = () => Object.assign(new DatabaseError(`duplicate key value violates unique constraint, Key (email)=(${canary.email})`, 100, 'error'), { code: '23505', detail: `Key (email)=(${canary.email}) already exists.` });

  test.each([
    ['as a field', (log: ReturnType<typeof memoryLogger>['log'], error: Error) => log.error('write failed', { error })],
    ['as the second argument', (log: ReturnType<typeof memoryLogger>['log'], error: Error) => log.error('write failed', error)],
    ['as the only argument', (log: ReturnType<typeof memoryLogger>['log'], error: Error) => log.error(error)],
  ])("an unknown error's message stays out, %s", (_how, write) => {
    const { log, lines, text } = memoryLogger();
    write(log, databaseError());
    expect(lines()[0].error).toEqual({ name: 'error', code: '23505' });
    expect(leakedCanaries(text())).toEqual([]);
    expect(text()).not.toContain('duplicate key');
    expect(text()).not.toContain('    at ');
  });

  test('a wrapped error shows its cause by name and code', () => {
    const { log, lines, text } = memoryLogger();
    log.error('database gone', { error: new DatabaseUnavailableError(Object.assign(new Error(`connect ${domain}`), { code: 'ECONNREFUSED' })) });
    expect(lines()[0].error).toEqual({ name: 'DatabaseUnavailableError', cause: { name: 'Error', code: 'ECONNREFUSED' } });
    expect(text()).not.toContain(domain);
  });

  test('our own errors, whose messages hold no personal data, keep their messages', () => {
    const { log, lines } = memoryLogger();
    log.error('refused', { error: new ConfigError('PORT', 'must be an integer from 0 to 65535') });
    log.warn('rejected', { error: new SupplierRejectedError('domain_taken', 'the domain is already registered') });
    expect(lines().map((line) => line.error)).toEqual([
      { name: 'ConfigError', message: 'PORT must be an integer from 0 to 65535' },
      { name: 'SupplierRejectedError', code: 'domain_taken', message: 'the domain is already registered' },
    ]);
  });

  test("an error's message passed as text is dropped: nothing tells it from personal data", () => {
    const { log, lines } = memoryLogger();
    log.error('failed', { error: `rejected ${canary.email}` });
    expect(lines()[0]).toEqual({ droppedFields: 1, level: 'error', message: 'failed', timestamp: expect.any(String) });
  });
});

test('a connector logger carries its context and is held to the same list', () => {
  const { log, lines, text } = memoryLogger();
  const connectorLog = connectorLogger(log, { transferId: 't-2', supplier: 'openprovider', domain });
  connectorLog.error('openprovider call failed', { call: 'customers.create', phone: '+31201234567', detail: `bad ${canary.email}` });
  expect(lines()[0]).toEqual({ transferId: 't-2', supplier: 'openprovider', call: 'customers.create', droppedFields: 3, level: 'error', message: 'openprovider call failed', timestamp: expect.any(String) });
  expect(text()).not.toContain(domain);
  expect(leakedCanaries(text())).toEqual([]);
});

test('the level decides what is written', () => {
  const { log, text } = memoryLogger('warn');
  log.info('quiet');
  log.warn('loud');
  expect(text()).not.toContain('quiet');
  expect(text()).toContain('loud');
});
