import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type winston from 'winston';
import type { GatewayMetrics } from '../metrics';
import { problems } from '../problem';
import { errorHandler, rememberRoutes, routeOf } from './error-handler';
import { noQueryParameters } from './query';
import type { Readiness } from './readiness';

export interface MonitoringDependencies {
  readiness: Readiness;
  metrics: GatewayMetrics;
  /** SGW_METRICS_TOKEN; unset: /metrics is open, as /healthz is. */
  metricsToken?: string;
}

/**
 * /healthz, /readyz and /metrics: outside API-key authentication and the readiness gate, so that they answer
 * while Redis or the database is down. The listener is on loopback unless HOST says otherwise.
 */
export function monitoringRoutes({ readiness, metrics, metricsToken }: MonitoringDependencies): Router {
  const router = Router();
  router.get('/healthz', noQueryParameters, (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', noQueryParameters, async (_req, res) => {
    const report = await readiness.check();
    res.status(report.ready ? 200 : 503).json(report);
  });
  router.get('/metrics', metricsAccess(metricsToken), noQueryParameters, async (_req, res) => {
    const { contentType, text } = await metrics.scrape();
    res.type(contentType).send(text);
  });
  return router;
}

/** Counts every answer by route pattern, never by path: paths may carry ids of people. */
export function countRequests(metrics: GatewayMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.on('finish', () => metrics.requestAnswered(req.method, routeOf(req), res.statusCode));
    next();
  };
}

/** A worker-only process (SGW_ROLE=worker) has no API; it listens for monitoring alone. */
export function createMonitoringApp(dependencies: MonitoringDependencies & { log: winston.Logger }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  rememberRoutes(app);
  app.use(monitoringRoutes(dependencies));
  app.use((_req, _res) => {
    throw problems.notFound('This is a worker process: it serves /healthz, /readyz and /metrics only.');
  });
  app.use(errorHandler(dependencies.log));
  return app;
}

/** With a token set, /metrics wants it as a Bearer token, compared in constant time. */
function metricsAccess(token: string | undefined) {
  const expected = token === undefined ? undefined : digest(token);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (expected) {
      const given = /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), expected)) throw problems.unauthorized('Send the metrics token (SGW_METRICS_TOKEN) as "Authorization: Bearer <token>".');
    }
    next();
  };
}

/** Equal lengths for timingSafeEqual, whatever was sent. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
