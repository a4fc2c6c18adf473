/**
 * What the sandbox does to the next matching requests:
 * - `rate_limit`: answers 429 with Retry-After, without handling the request;
 * - `server_error`: answers `status` (default 500), without handling the request; with `forMs`, an outage:
 *   every matching request is answered so until `forMs` after the fault was injected;
 * - `drop_response`: handles the request (a domain IS registered), then destroys the socket unanswered;
 * - `delay`: waits `delayMs`, then handles and answers the request (also when the client gave up meanwhile).
 */
export interface SandboxFault {
  kind: 'rate_limit' | 'server_error' | 'drop_response' | 'delay';
  /** How many matching requests it applies to (default 1). */
  count?: number;
  /** For `server_error`, instead of `count` and `skip`: how long it answers every matching request, at most a day. */
  forMs?: number;
  /** How many matching requests pass untouched before it applies (default 0). */
  skip?: number;
  /** Only requests to this path, or one of these paths, relative to /v1beta, e.g. `/domains` (default any). */
  path?: string | string[];
  /** Only requests with this method (default any). */
  method?: 'GET' | 'POST' | 'DELETE';
  /** For `rate_limit` (default 1). */
  retryAfterSeconds?: number;
  /** For `server_error`: 500, 502, 503 or 504. */
  status?: number;
  /** For `delay` (required): at most a minute. */
  delayMs?: number;
}

const KINDS = ['rate_limit', 'server_error', 'drop_response', 'delay'];
const METHODS = ['GET', 'POST', 'DELETE'];
const SERVER_ERROR_STATUSES = [500, 502, 503, 504];

const isCount = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const isPath = (value: unknown) => typeof value === 'string' && value.startsWith('/');

/** Checks a fault that arrived as JSON over the control API; throws with the reason. */
export function parseFault(value: unknown): SandboxFault {
  const fault = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (!KINDS.includes(fault.kind as string)) throw new Error(`kind must be one of ${KINDS.join(', ')}`);
  if (fault.count !== undefined && !isCount(fault.count, 1)) throw new Error('count must be a positive integer');
  if (fault.skip !== undefined && !isCount(fault.skip, 0)) throw new Error('skip must be a non-negative integer');
  if (fault.path !== undefined && !(isPath(fault.path) || (Array.isArray(fault.path) && fault.path.length > 0 && fault.path.every(isPath)))) {
    throw new Error('path must start with /, or be a list of such paths');
  }
  if (fault.method !== undefined && !METHODS.includes(fault.method as string)) throw new Error(`method must be one of ${METHODS.join(', ')}`);
  if (fault.retryAfterSeconds !== undefined && !isCount(fault.retryAfterSeconds, 0)) {
    throw new Error('retryAfterSeconds must be a non-negative integer');
  }
  if (fault.status !== undefined && !SERVER_ERROR_STATUSES.includes(fault.status as number)) {
    throw new Error(`status must be one of ${SERVER_ERROR_STATUSES.join(', ')}`);
  }
  if ((fault.kind === 'delay' || fault.delayMs !== undefined) && !isCount(fault.delayMs, 0, 60_000)) {
    throw new Error('delayMs must be an integer from 0 to 60000');
  }
  if (fault.forMs !== undefined) {
    if (fault.kind !== 'server_error') throw new Error('forMs applies to server_error only');
    if (!isCount(fault.forMs, 1, 86_400_000)) throw new Error('forMs must be an integer from 1 to 86400000');
    if (fault.count !== undefined || fault.skip !== undefined) throw new Error('forMs does not combine with count or skip');
  }
  return fault as unknown as SandboxFault;
}

/** Whether `fault` may apply to a request with this method and path. */
export const faultMatches = (fault: SandboxFault, { method, path }: { method: string; path: string }): boolean =>
  (fault.path === undefined || [fault.path].flat().includes(path)) && (fault.method === undefined || fault.method === method);
