import type { DeliveryContext, ErasureContext, Logger } from '../../../../src/connector-kit';

// The conformance suite checks what connectors log; these tests look at files and errors.
const log = () => undefined;
const quietLogger: Logger = { debug: log, info: log, warn: log, error: log };

/** A delivery context as the worker makes one: `state` follows what the connector records. */
export function deliveryContext(transferId: string, signal = new AbortController().signal): DeliveryContext {
  const ctx: DeliveryContext = {
    signal,
    transferId,
    log: quietLogger,
    state: {},
    recordState: async (state) => {
      ctx.state = { ...state };
    },
  };
  return ctx;
}

export function erasureContext(erasureId: string): ErasureContext {
  return { signal: new AbortController().signal, erasureId, log: quietLogger };
}
