import { randomUUID } from 'node:crypto';
import { type DeliveryContext, type Operation, SupplierContractError, connectorFromOperations } from '../../src/connector-kit';

/** An operation that answers with its own name, so a test sees which one each call reached. */
function named(name: string, calls: string[]): Operation<{ kind: string }> {
  return {
    isPayload: (payload): payload is { kind: string } => (payload as { kind?: unknown } | null)?.kind === name,
    deliver: async () => (calls.push(`${name}.deliver`), { supplierReference: name, sentDigest: '0'.repeat(64) }),
    lookup: async () => (calls.push(`${name}.lookup`), { supplierReference: name }),
    discard: async () => void calls.push(`${name}.discard`),
    erase: async (record) => (calls.push(`${name}.erase`), { transferId: record.transferId, status: 'not_found', reason: name }),
  };
}

const ctx = { signal: new AbortController().signal, transferId: randomUUID(), log: { debug() {}, info() {}, warn() {}, error() {} }, state: {}, recordState: async () => undefined } satisfies DeliveryContext;

describe('a connector made from its operations', () => {
  const calls: string[] = [];
  const transport = { check: async () => void calls.push('check'), close: async () => void calls.push('close') };
  const connector = connectorFromOperations('example', { 'a.do': named('a.do', calls), 'b.do': named('b.do', calls) }, transport);
  beforeEach(() => calls.splice(0));

  it('sends each call to the operation it names, and check and close to the transport', async () => {
    await expect(connector.deliver('b.do', { kind: 'b.do' }, ctx)).resolves.toMatchObject({ supplierReference: 'b.do' });
    await expect(connector.lookup('a.do', { kind: 'a.do' }, ctx)).resolves.toEqual({ supplierReference: 'a.do' });
    await connector.discard('b.do', ctx);
    await connector.check();
    await connector.close?.();
    expect(calls).toEqual(['b.do.deliver', 'a.do.lookup', 'b.do.discard', 'check', 'close']);
  });

  it('erases record by record, each by its own operation, answering in order', async () => {
    const records = ['b.do', 'a.do', 'b.do'].map((operation) => ({ transferId: randomUUID(), operation, supplierReference: null, state: {} }));
    const answers = await connector.erase(records, { signal: ctx.signal, erasureId: randomUUID(), log: ctx.log });
    expect(answers.map((answer) => [answer.transferId, answer.reason])).toEqual(records.map((record) => [record.transferId, record.operation]));
  });

  it('an operation it does not implement, or a payload not of its shape, is a SupplierContractError and reaches no operation', async () => {
    await expect(connector.deliver('c.do', { kind: 'c.do' }, ctx)).rejects.toMatchObject({ constructor: SupplierContractError, code: 'unsupported_operation' });
    await expect(connector.discard('toString', ctx)).rejects.toMatchObject({ code: 'unsupported_operation' });
    await expect(connector.lookup('a.do', { kind: 'b.do' }, ctx)).rejects.toMatchObject({ constructor: SupplierContractError, code: 'invalid_payload' });
    await expect(connector.erase([{ transferId: randomUUID(), operation: 'c.do', supplierReference: null, state: {} }], { signal: ctx.signal, erasureId: randomUUID(), log: ctx.log })).rejects.toMatchObject({ code: 'unsupported_operation' });
    expect(calls).toEqual([]);
  });
});
