/**
 * What the sandbox does to the next matching requests:
 * - `rate_limit`: answers 429 with Retry-After, without handling the request;
 * - `server_error`: answers `status` (default 500), without handling the request;
 * - `drop_response`: handles the request (a domain IS registered), then destroys the socket unanswered.
 */
export interface SandboxFault {
  kind: 'rate_limit' | 'server_error' | 'drop_response';
  /** How many matching requests it applies to (default 1). */
  count?: number;
  /** Only requests to this path, relative to /v1beta, e.g. `/domains` (default any). */
  path?: string;
  /** Only requests with this method (default any). */
  method?: 'GET' | 'POST';
  /** For `rate_limit` (default 1). */
  retryAfterSeconds?: number;
  /** For `server_error`: 500, 502, 503 or 504. */
  status?: number;
}

const KINDS = ['rate_limit', 'server_error', 'drop_response'];
const SERVER_ERROR_STATUSES = [500, 502, 503, 504];

/** Checks a fault that arrived as JSON over the control API; throws with the reason. */
export function parseFault(value: unknown): SandboxFault {
  const fault = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (!KINDS.includes(fault.kind as string)) throw new Error(`kind must be one of ${KINDS.join(', ')}`);
  if (fault.count !== undefined && !(Number.isInteger(fault.count) && (fault.count as number) > 0)) {
    throw new Error('count must be a positive integer');
  }
  if (fault.path !== undefined && (typeof fault.path !== 'string' || !fault.path.startsWith('/'))) throw new Error('path must start with /');
  if (fault.method !== undefined && fault.method !== 'GET' && fault.method !== 'POST') throw new Error('method must be GET or POST');
  if (fault.retryAfterSeconds !== undefined && !(Number.isInteger(fault.retryAfterSeconds) && (fault.retryAfterSeconds as number) >= 0)) {
    throw new Error('retryAfterSeconds must be a non-negative integer');
  }
  if (fault.status !== undefined && !SERVER_ERROR_STATUSES.includes(fault.status as number)) {
    throw new Error(`status must be one of ${SERVER_ERROR_STATUSES.join(', ')}`);
  }
  return fault as unknown as SandboxFault;
}

/** Faults waiting for requests, applied first-injected first. */
export class FaultQueue {
  private readonly waiting: Array<SandboxFault & { remaining: number }> = [];

  inject(fault: SandboxFault): void {
    const checked = parseFault(fault);
    this.waiting.push({ ...checked, remaining: checked.count ?? 1 });
  }

  clear(): void {
    this.waiting.length = 0;
  }

  /** Requests still to be hit by a fault. */
  pending(): number {
    return this.waiting.reduce((sum, fault) => sum + fault.remaining, 0);
  }

  /** The fault for this request, used up by it; undefined when none matches. */
  take(method: string, path: string): SandboxFault | undefined {
    const index = this.waiting.findIndex(
      (fault) => (fault.path === undefined || fault.path === path) && (fault.method === undefined || fault.method === method),
    );
    if (index === -1) return undefined;
    const fault = this.waiting[index];
    fault.remaining -= 1;
    if (fault.remaining === 0) this.waiting.splice(index, 1);
    return fault;
  }
}
