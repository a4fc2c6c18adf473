/**
 * What the sandbox does to the next matching requests:
 * - `rate_limit`: answers 429 with Retry-After, without handling the request;
 * - `server_error`: answers `status` (default 500), without handling the request;
 * - `drop_response`: handles the request (the contact or domain IS made), then destroys the socket unanswered;
 * - `delay`: waits `delayMs`, then handles and answers the request (also when the client gave up meanwhile).
 */
export interface SandboxFault {
  kind: 'rate_limit' | 'server_error' | 'drop_response' | 'delay';
  /** How many matching requests it applies to (default 1). */
  count?: number;
  /** How many matching requests pass untouched before it applies (default 0). */
  skip?: number;
  /** Only requests to these routes, e.g. `contacts.create`, `domains.create` (default any; see SandboxRoute). */
  routes?: string[];
  /** For `rate_limit` (default 1). */
  retryAfterSeconds?: number;
  /** For `server_error`: 500, 502, 503 or 504. */
  status?: number;
  /** For `delay` (required): at most a minute. */
  delayMs?: number;
}

const KINDS = ['rate_limit', 'server_error', 'drop_response', 'delay'];
const SERVER_ERROR_STATUSES = [500, 502, 503, 504];

const isCount = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

/** Checks a fault that arrived as JSON over the control API; throws with the reason. */
export function parseFault(value: unknown): SandboxFault {
  const fault = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (!KINDS.includes(fault.kind as string)) throw new Error(`kind must be one of ${KINDS.join(', ')}`);
  if (fault.count !== undefined && !isCount(fault.count, 1)) throw new Error('count must be a positive integer');
  if (fault.skip !== undefined && !isCount(fault.skip, 0)) throw new Error('skip must be a non-negative integer');
  if (fault.routes !== undefined && !(Array.isArray(fault.routes) && fault.routes.length > 0 && fault.routes.every((route) => typeof route === 'string'))) {
    throw new Error('routes must be a non-empty list of route names');
  }
  if (fault.retryAfterSeconds !== undefined && !isCount(fault.retryAfterSeconds, 0)) throw new Error('retryAfterSeconds must be a non-negative integer');
  if (fault.status !== undefined && !SERVER_ERROR_STATUSES.includes(fault.status as number)) {
    throw new Error(`status must be one of ${SERVER_ERROR_STATUSES.join(', ')}`);
  }
  if ((fault.kind === 'delay' || fault.delayMs !== undefined) && !isCount(fault.delayMs, 0, 60_000)) {
    throw new Error('delayMs must be an integer from 0 to 60000');
  }
  return fault as unknown as SandboxFault;
}

/** Whether `fault` may apply to a request to `route`. */
export const faultMatches = (fault: SandboxFault, route: string): boolean => fault.routes === undefined || fault.routes.includes(route);
