import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import ejs from 'ejs';
import express, { type NextFunction, type Request, type Response } from 'express';
import { problems } from '../problem';
import type { ApiKeyStore } from './api-keys';
import { pageHeaders, pageLogin } from './page-login';
import type { Readiness } from './readiness';

export const dashboardPath = '/admin';
const boardPath = `${dashboardPath}/queues`;
const logoutPath = `${dashboardPath}/logout`;
export const sessionCookie = 'sgw_dashboard';

export interface DashboardDependencies {
  /** The delivery queue of every configured supplier. */
  queues: Queue[];
  /** `pageSessionKey(masterKey, 'dashboard')`. */
  sessionKey: Buffer;
}

/**
 * Bull Board for the ops and admin roles, read-only, behind the login form (`pageLogin`). Mounted at
 * `dashboardPath`, before the JSON API's headers: these are pages, with a CSP of their own.
 */
export function dashboardRouter({ queues, sessionKey, keys, readiness }: DashboardDependencies & { keys: ApiKeyStore; readiness: Readiness }): express.Router {
  const login = pageLogin({ basePath: dashboardPath, cookie: sessionCookie, roles: ['ops'], title: 'dashboard', landing: boardPath, sessionKey, keys, readiness });
  const router = express.Router();
  router.use(login.routes);
  // Bull Board reads its own query parameters, so the rule against unknown ones stops at its door.
  router.use('/queues', boardHeaders, ...login.session, readOnly, board(queues));
  return router;
}

/** Retries and cancels go through the API, where each names the key that asked; the board only shows. */
function readOnly(req: Request, _res: Response, next: NextFunction) {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw problems.methodNotAllowed('The dashboard is read-only: retry or cancel a transfer through the API.', 'GET, HEAD');
  next();
}

function board(queues: Queue[]): express.Express {
  const serverAdapter = new ExpressAdapter().setBasePath(boardPath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Deliveries', miscLinks: [{ text: 'Log out', url: logoutPath }] } },
  });
  // Bull Board answers a failed handler with a 500 and the error's message; every handler here reads Redis, so
  // the failure is Redis's: thrown on, it reaches the gateway's error handler as a 503 problem.
  serverAdapter.setErrorHandler(() => {
    throw problems.unavailable('Redis');
  });
  const app = serverAdapter.getRouter() as express.Express;
  app.disable('x-powered-by');
  app.engine('ejs', renderBoardPage);
  return app;
}

const boardTemplate = readFileSync(path.join(path.dirname(require.resolve('@bull-board/ui/package.json')), 'dist/index.ejs'), 'utf8');

/** A stylesheet from another site (Bull Board links Google Fonts): every operator's browser would call it, and the CSP refuses it. */
const offSiteStylesheet = /<link [^>]*href="https?:\/\/[^"]*"[^>]*>\s*/g;

function renderBoardPage(file: string, options: ejs.Data, callback: (error: Error | null, html?: string) => void) {
  ejs.renderFile(file, options, (error, html) => callback(error, html?.replace(offSiteStylesheet, '')));
}

const sha256Source = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The `<style>` of the Redis logo the board draws as an inline SVG (@bull-board/ui 9.10.1); the browser test fails when an upgrade changes it. */
const redisLogoStyle = "'sha256-r2N1TB/gHbBtBZFKg7ejmq1acVSREzucTAEw6ga4hoU='";

/**
 * The board's own scripts, styles, images and fonts, and its API; no inline script. Inline styles only by
 * hash: the page's loading indicator (hashed from the template itself) and the Redis logo.
 */
const boardHeaders = pageHeaders({
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", ...[...boardTemplate.matchAll(/<style>([^<]*)<\/style>/g)].map(([, css]) => sha256Source(css)), redisLogoStyle],
  styleSrcAttr: ["'unsafe-hashes'", ...new Set([...boardTemplate.matchAll(/ style="([^"]*)"/g)].map(([, css]) => sha256Source(css)))],
  imgSrc: ["'self'"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'self'"],
});
