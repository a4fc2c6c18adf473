import type { DeliveryContext, ErasureContext, Logger } from '../../../../src/connector-kit';

/** Log lines the connector wrote, for tests that check what it says. */
export function recordingLogger(lines: string[] = []): Logger {
  const log = (message: string, fields?: Record<string, unknown>) => lines.push(JSON.stringify({ message, fields }));
  return { debug: log, info: log, warn: log, error: log };
}

/** A delivery context as the worker makes one: `state` follows what the connector records. */
export function deliveryContext(transferId: string, signal = new AbortController().signal): DeliveryContext {
  const ctx: DeliveryContext = {
    signal,
    transferId,
    log: recordingLogger(),
    state: {},
    recordState: async (state) => {
      ctx.state = { ...state };
    },
  };
  return ctx;
}

export function erasureContext(erasureId: string): ErasureContext {
  return { signal: new AbortController().signal, erasureId, log: recordingLogger() };
}
