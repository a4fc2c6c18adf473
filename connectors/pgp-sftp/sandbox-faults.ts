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

