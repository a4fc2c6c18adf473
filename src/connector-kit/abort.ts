import { SupplierUnavailableError } from './errors';

/**
 * The error of a call its delivery gave up on (the worker's signal fired): retryable, and of unknown
 * outcome when the request may already have reached the supplier.
 */
export function abortedError(mayHaveLanded: boolean): SupplierUnavailableError {
  return new SupplierUnavailableError('aborted', 'the call to the supplier was aborted', mayHaveLanded);
}

/**
 * Waits for `shared` (work other calls may wait on too, such as a login or a connection, or work with no
 * effect at the supplier, such as sealing a file) unless `signal` aborts first: then the caller stops at
 * once, having sent nothing. `shared` goes on for the others, and its failure is never left unhandled.
 */
export function unlessAborted<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return shared;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(false));
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
