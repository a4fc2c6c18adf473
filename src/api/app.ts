import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type winston from 'winston';
import { problems } from '../problem';
import type { ErasureQueues } from '../queue/erasure-queues';
import type { DeliveryQueues } from '../queue/queues';
import type { CheckpointSigner } from '../shares/checkpoints';
import type { Database } from '../store';
import type { Intake } from '../transfers/intake';
import type { ApiKeyStore } from './api-keys';
import { authenticate } from './auth';
import { dashboardPath, dashboardRouter } from './dashboard';
import { errorHandler, rememberRoutes, routeOf } from './error-handler';
import { countRequests, monitoringRoutes, type MonitoringDependencies } from './monitoring';
import { openApiDocument } from './openapi';
import { privacyPath } from './privacy-page/layout';
import { privacyPageRouter } from './privacy-page/router';
import { noQueryParameters } from './query';
import { refuseWhileUnready } from './readiness';
import { consultationsRouter } from './routes/consultations';
import { erasuresRouter } from './routes/erasures';
import { processingRecordRouter } from './routes/processing-record';
import { sharesRouter } from './routes/shares';
import { subjectsRouter } from './routes/subjects';
import { suppliersRouter, type ConfiguredSupplier } from './routes/suppliers';
import { transfersRouter } from './routes/transfers';

export interface AppDependencies extends MonitoringDependencies {
  intake: Intake;
  db: Database;
  queues: DeliveryQueues;
  erasureQueues: ErasureQueues;
  suppliers: ConfiguredSupplier[];
  keys: ApiKeyStore;
  subjectHashKey: Buffer;
  /** Opens a subject's sealed payloads for its export. */
  masterKey: Buffer;
  log: winston.Logger;
  /** Signs dashboard sessions (`pageSessionKey(masterKey, 'dashboard')`). */
  dashboardSessionKey: Buffer;
  /** Signs privacy page sessions (`pageSessionKey(masterKey, 'privacy')`). */
  privacySessionKey: Buffer;
  /** Signs heads of the shares log (SGW_LOG_SIGNING_KEY). */
  checkpointSigner: CheckpointSigner;
}

export function createApp({ intake, db, queues, erasureQueues, suppliers, keys, readiness, metrics, metricsToken, subjectHashKey, masterKey, log, dashboardSessionKey, privacySessionKey, checkpointSigner }: AppDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  rememberRoutes(app);
  app.use(requestLog(log));
  app.use(countRequests(metrics));
  // Pages for people, with the headers pages need; all else is the JSON API.
  const agreements = new Map(suppliers.map((supplier) => [supplier.id, supplier.agreement]));
  app.use(dashboardPath, dashboardRouter({ queues: suppliers.map((supplier) => queues.queue(supplier.id)), sessionKey: dashboardSessionKey, keys, readiness }));
  app.use(privacyPath, privacyPageRouter({ db, queues, erasureQueues, agreements, metrics, subjectHashKey, checkpointSigner, sessionKey: privacySessionKey, keys, readiness }));
  // JSON, never pages: the headers OWASP's REST Security Cheat Sheet asks of an API, not the ones for browsers rendering documents.
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      xFrameOptions: { action: 'deny' },
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: false,
      originAgentCluster: false,
      referrerPolicy: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
  );
  app.use(monitoringRoutes({ readiness, metrics, metricsToken }));

  const document = openApiDocument(agreements);
  app.get('/openapi.json', noQueryParameters, (_req, res) => {
    res.json(document);
  });

  // Who is calling comes first: a caller without a valid key learns nothing else about its request.
  app.use('/v1', authenticate(keys));
  app.use(refuseWhileUnready(readiness));
  app.use('/v1/transfers', transfersRouter(intake, db, queues, agreements, metrics));
  app.use('/v1/suppliers', suppliersRouter(suppliers, queues));
  app.use('/v1/shares', sharesRouter(db, subjectHashKey, checkpointSigner));
  app.use('/v1', erasuresRouter({ db, queues, erasureQueues, agreements, metrics, subjectHashKey }));
  app.use('/v1/subjects', subjectsRouter({ db, agreements, masterKey, subjectHashKey }));
  app.use('/v1/consultations', consultationsRouter(db));
  app.use('/v1/record-of-processing', processingRecordRouter(agreements));
  app.use((_req, _res) => {
    throw problems.notFound('No such resource; the README lists the API.');
  });
  app.use(errorHandler(log));
  return app;
}

function requestLog(log: winston.Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    // winston formats every entry before filtering by level: skip the work when the level is off.
    if (!log.isLevelEnabled('http')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      log.http('request', {
        method: req.method,
        route: routeOf(req),
        status: res.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        apiKeyId: req.apiKey?.id,
      });
    });
    next();
  };
}
