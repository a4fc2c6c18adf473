import type { Connector, DeliveryContext, DeliveryResult, ErasureContext, RecordErasure, SubjectRecord } from './connector';
import { SupplierContractError } from './errors';

/** What a connector does for one operation, with a payload of that operation's agreed shape. */
export interface Operation<Payload> {
  /** A shape check only: the gateway validated the payload against the agreed schema already. */
  isPayload(payload: unknown): payload is Payload;
  deliver(payload: Payload, ctx: DeliveryContext): Promise<DeliveryResult>;
  lookup(payload: Payload, ctx: DeliveryContext): Promise<Pick<DeliveryResult, 'supplierReference'> | null>;
  discard(ctx: DeliveryContext): Promise<void>;
  erase(record: SubjectRecord, ctx: ErasureContext): Promise<RecordErasure>;
}

/** The connection to the supplier the operations share. */
export interface Transport {
  check(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Connector from its operations and their transport: each call goes to the operation it names; one the
 * connector does not implement, or a payload not of its shape, is a SupplierContractError. `erase` asks about
 * the records one by one, in order.
 */
export function connectorFromOperations(connectorId: string, operations: Record<string, Operation<any>>, transport: Transport): Connector {
  const operationNamed = (name: string): Operation<unknown> => {
    if (!Object.hasOwn(operations, name)) throw new SupplierContractError('unsupported_operation', `${connectorId} does not implement ${name}`);
    return operations[name];
  };
  const payloadFor = (name: string, payload: unknown): [Operation<unknown>, unknown] => {
    const operation = operationNamed(name);
    if (!operation.isPayload(payload)) throw new SupplierContractError('invalid_payload', `the ${name} payload does not have the agreed shape`);
    return [operation, payload];
  };
  return {
    check: (signal) => transport.check(signal),
    async deliver(name, payload, ctx) {
      const [operation, checked] = payloadFor(name, payload);
      return operation.deliver(checked, ctx);
    },
    async lookup(name, payload, ctx) {
      const [operation, checked] = payloadFor(name, payload);
      return operation.lookup(checked, ctx);
    },
    async discard(name, ctx) {
      await operationNamed(name).discard(ctx);
    },
    async erase(records, ctx) {
      const answers: RecordErasure[] = [];
      for (const record of records) answers.push(await operationNamed(record.operation).erase(record, ctx));
      return answers;
    },
    close: () => transport.close(),
  };
}
