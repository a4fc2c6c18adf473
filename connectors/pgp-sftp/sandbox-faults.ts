/**
 * What the sandbox does to the next request that carries a subject's data (OPEN, WRITE, CLOSE or RENAME of a
 * delivery file), after letting `skip` of them pass. The conformance suite's vocabulary, in SFTP terms:
 * - `rate_limit`: SSH_FX_FAILURE `busy, retry after <n> s`, nothing done;
 * - `server_error`: SSH_FX_FAILURE, nothing done;
 * - `drop_response`: done, then the connection is closed unanswered;
 * - `delay`: done, answered after `delayMs`.
 */
export type SandboxFault =
  | { kind: 'rate_limit'; retryAfterSeconds: number; skip?: number }
  | { kind: 'server_error'; skip?: number }
  | { kind: 'drop_response'; skip?: number }
  | { kind: 'delay'; delayMs: number; skip?: number };

/** Faults in the order injected; each applies once, to the data request its `skip` points at. */
export class FaultQueue {
  private queue: Array<{ fault: SandboxFault; skipLeft: number }> = [];

  inject(fault: SandboxFault): void {
    this.queue.push({ fault, skipLeft: fault.skip ?? 0 });
  }

  clear(): void {
    this.queue = [];
  }

  /** The fault for the data request arriving now, if any; counts it against the first fault's `skip`. */
  next(): SandboxFault | undefined {
    const first = this.queue[0];
    if (!first) return undefined;
    if (first.skipLeft > 0) {
      first.skipLeft -= 1;
      return undefined;
    }
    this.queue.shift();
    return first.fault;
  }
}
