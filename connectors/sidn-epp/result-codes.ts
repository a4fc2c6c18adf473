import {
  type ConnectorError,
  SupplierContractError,
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierUnavailableError,
} from '../../src/connector-kit';

/** RFC 5730 §3 result codes the connector acts on by name. */
export const EPP = {
  ok: 1000,
  okPending: 1001,
  okEndingSession: 1500,
  authenticationError: 2200,
  authenticationErrorClosing: 2501,
  objectExists: 2302,
  objectDoesNotExist: 2303,
  associationProhibitsOperation: 2305,
  commandFailed: 2400,
  sessionLimitExceeded: 2502,
} as const;

export const isSuccess = (code: number) => code >= 1000 && code < 2000;

/** 2500–2502: the server closes the connection after answering. */
export const closesSession = (code: number) => code >= 2500 && code < 2600;

/**
 * The connector-kit error for an EPP error result. Codes and messages are numbers and fixed text only:
 * SIDN's `<msg>` and `<reason>` can repeat submitted values. `retryAfterMs` answers 2502, which carries no
 * Retry-After of its own.
 */
export function failureForResult(code: number, command: string, retryAfterMs: number): ConnectorError {
  if (code === EPP.sessionLimitExceeded) {
    return new SupplierRateLimitedError('rate_limited', `SIDN refused ${command}: session limit exceeded (2502)`, retryAfterMs);
  }
  // 2400 and 2500/2501 say the command failed on the server's side, before it acted.
  if (code === EPP.commandFailed || closesSession(code)) {
    return new SupplierUnavailableError(`epp_${code}`, `SIDN failed on ${command} (${code})`);
  }
  // 20xx and 21xx: our frame and SIDN's protocol disagree (syntax, unimplemented command, option or extension).
  if (code >= 2000 && code < 2200) return new SupplierContractError(`epp_${code}`, `SIDN does not accept ${command} as sent (${code})`);
  return new SupplierRejectedError(`epp_${code}`, `SIDN refused ${command} (${code})`);
}
