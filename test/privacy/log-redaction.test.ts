import { PassThrough } from 'node:stream';
import { connectorLogger, createLogger } from '../../src/log/logger';
import { canary, leakedCanaries, registerBody } from '../support/gateway';

/** A logger writing JSON lines into memory, and the lines it wrote so far. */
function memoryLogger() {
  let written = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  const log = createLogger('debug', stream);
  return { log, lines: () => written.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>), text: () => written };
}

/** Nests `value` under `depth` levels of harmless keys. */
function nested(depth: number, value: Record<string, unknown>): Record<string, unknown> {
  return depth === 0 ? value : { level: nested(depth - 1, value) };
}

describe('log redaction (winston format)', () => {
  test('sensitive keys are replaced, whatever their case, and harmless context stays', () => {
    const { log, lines } = memoryLogger();
    log.info('delivery', {
      transferId: 't-1',
      Email: canary.email,
      firstName: canary.first,
      registrant: { lastName: canary.last },
      password: 'hunter2-not-real',
      authorization: 'Bearer sgw_abc',
      code: 'domain_taken',
    });
    const [line] = lines();
    expect(line).toMatchObject({ message: 'delivery', transferId: 't-1', code: 'domain_taken', level: 'info' });
    for (const key of ['Email', 'firstName', 'registrant', 'password', 'authorization']) expect(line[key]).toBe('[redacted]');
  });

  test("a registrant's fields logged by mistake, one by one, leak none of the canary values", () => {
    const { log, text } = memoryLogger();
    const { registrant } = registerBody().data;
    log.warn('registrant fields', { ...registrant, ...registrant.address });
    expect(leakedCanaries(text())).toEqual([]);
  });

  test('email-looking values are replaced inside any string: message, fields, arrays, errors', () => {
    const { log, text } = memoryLogger();
    log.warn(`could not reach ${canary.email}`, {
      note: `ask ${canary.email} or jan.jansen@example.nl`,
      recipients: ['someone@example.org', { contact: 'other@example.com' }],
      error: new Error(`rejected ${canary.email}`),
    });
    expect(text()).not.toMatch(/@example\.(nl|org|com)/);
    expect(text()).toContain('[redacted-email]');
  });

  test.each([1, 5, 6, 10, 40])('redaction works at depth %i', (depth) => {
    const { log, text } = memoryLogger();
    log.info('deep', { context: nested(depth, { email: canary.email, street: canary.street, note: `mail ${canary.email}` }) });
    expect(text()).not.toContain(canary.email);
    expect(text()).not.toContain(canary.street);
    expect(() => JSON.parse(text())).not.toThrow();
  });

  test('a cycle in the logged object neither hangs nor leaks', () => {
    const { log, text } = memoryLogger();
    const looped: Record<string, unknown> = { note: canary.email };
    looped.self = looped;
    log.info('cycle', { looped });
    expect(text()).not.toContain(canary.email);
  });

  test('a connector logger carries its context and is redacted the same way', () => {
    const { log, lines } = memoryLogger();
    const connectorLog = connectorLogger(log, { transferId: 't-2', supplier: 'openprovider' });
    connectorLog.error('openprovider call failed', { call: 'customers.create', phone: '+31201234567', detail: `bad ${canary.email}` });
    expect(lines()[0]).toEqual(
      expect.objectContaining({ transferId: 't-2', supplier: 'openprovider', call: 'customers.create', phone: '[redacted]', detail: 'bad [redacted-email]' }),
    );
  });

  test('the level decides what is written', () => {
    let written = '';
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const log = createLogger('warn', stream);
    log.info('quiet');
    log.warn('loud');
    expect(written).not.toContain('quiet');
    expect(written).toContain('loud');
  });
});
