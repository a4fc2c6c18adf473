import type IORedis from 'ioredis';
import type winston from 'winston';

/**
 * Logs when Redis becomes unreachable and when it answers again: one line per change, never one per
 * retry. ioredis reconnects by itself and emits 'error' on every failed try, several a second while
 * Redis is down; readiness (/readyz) reports the outage meanwhile. Being unreachable at start is said once,
 * and the process runs on.
 */
export function watchRedis(connection: IORedis, log: winston.Logger, name: string): void {
  let reachable: boolean | undefined;
  connection.on('ready', () => {
    if (reachable === false) log.info('Redis answers again (REDIS_URL)', { connection: name });
    reachable = true;
  });
  connection.on('error', (error: Error) => {
    if (reachable === false) return;
    const when = reachable === undefined ? ' at start: running without it,' : ':';
    log.warn(`Redis is unreachable (REDIS_URL)${when} /readyz answers 503 until it answers; retrying quietly`, { connection: name, error });
    reachable = false;
  });
}

/** True for the errors of a lost, refused or unanswering connection, which `watchRedis` reports once per outage. */
export function isRedisConnectionError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && connectionErrorCodes.has(code)) || /Connection is closed|Stream isn't writeable|Command timed out/.test(error.message);
}

const connectionErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
