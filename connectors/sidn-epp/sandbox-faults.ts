/**
 * What the sandbox does to the next contact:create or domain:create (the commands that carry a subject's data),
 * after `skip` of them passed:
 * - `rate_limit`: answers 2502 (session limit exceeded) and closes the connection, without acting;
 * - `server_error`: answers 2400 (command failed), without acting;
 * - `drop_response`: acts, then closes the connection without answering;
 * - `delay`: waits `delayMs`, then acts and answers (also when the client gave up meanwhile).
 */
export type SandboxFault =
  | { kind: 'rate_limit'; skip?: number }
  | { kind: 'server_error'; skip?: number }
  | { kind: 'drop_response'; skip?: number }
  | { kind: 'delay'; delayMs: number; skip?: number };

