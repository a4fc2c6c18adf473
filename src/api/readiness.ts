import type { NextFunction, Request, Response } from 'express';
import type IORedis from 'ioredis';
import { problems } from '../problem';
import type { Database } from '../store';

export interface ReadinessReport {
  ready: boolean;
  redis: boolean;
  database: boolean;
}

const probeTimeoutMs = 1500;

function withinTimeout(probe: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    probe.then(() => true, () => false),
    new Promise<boolean>((resolve) => setTimeout(resolve, probeTimeoutMs, false).unref()),
  ]);
}

/**
 * Probes Redis and the database in the background, so every route can refuse at once (503) while one is
 * down instead of hanging, and /readyz can answer within two seconds.
 */
export class Readiness {
  private last: ReadinessReport = { ready: false, redis: false, database: false };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: IORedis,
    private readonly db: Database,
  ) {}

  get ready(): boolean {
    return this.last.ready;
  }

  async start(intervalMs = 1000): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<ReadinessReport> {
    const [redis, database] = await Promise.all([withinTimeout(this.redis.ping()), withinTimeout(this.db.query('select 1'))]);
    this.last = { ready: redis && database, redis, database };
    return this.last;
  }
}

/** While Redis or the database is down, refuse at once rather than hang. */
export function refuseWhileUnready(readiness: Readiness) {
  return (_req: Request, _res: Response, next: NextFunction) => {
    if (!readiness.ready) throw problems.unavailable('Redis or the database');
    next();
  };
}
