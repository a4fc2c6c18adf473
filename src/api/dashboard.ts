import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { parseCookie } from 'cookie';
import ejs from 'ejs';
import express, { type CookieOptions, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { problems } from '../problem';
import type { ApiKeyStore } from './api-keys';
import { allow, authenticate, isAllowed } from './auth';
import { sessionLifetimeMs, signSession, verifySession } from './dashboard-session';
import { noQueryParameters } from './query';
import { refuseWhileUnready, type Readiness } from './readiness';

export const dashboardPath = '/admin';
const boardPath = `${dashboardPath}/queues`;
const loginPath = `${dashboardPath}/login`;
const logoutPath = `${dashboardPath}/logout`;
export const sessionCookie = 'sgw_dashboard';

export interface DashboardDependencies {
  /** The delivery queue of every configured supplier. */
  queues: Queue[];
  /** From `dashboardSessionKey`. */
  sessionKey: Buffer;
}

/**
 * Bull Board for the ops and admin roles, read-only, behind a login form: a browser cannot send a Bearer
 * header, so the form takes the API key and answers with a signed session cookie naming it. Mounted at
 * `dashboardPath`, before the JSON API's headers: these are pages, with a CSP of their own.
 */
export function dashboardRouter({ queues, sessionKey, keys, readiness }: DashboardDependencies & { keys: ApiKeyStore; readiness: Readiness }): express.Router {
  const router = express.Router();
  const ready = refuseWhileUnready(readiness);
  router.get('/login', loginHeaders, noQueryParameters, ready, (_req, res) => {
    res.type('html').send(loginPage());
  });
  router.post('/login', loginHeaders, noQueryParameters, ready, formFields, (req, res) => {
    if (!postedFromHere(req)) {
      res.status(403).type('html').send(loginPage('Log in from this page: a login sent from another site is refused.'));
      return;
    }
    const key = typeof req.body?.key === 'string' ? keys.authenticate(req.body.key.trim()) : undefined;
    if (!key) {
      res.status(401).set('www-authenticate', 'Bearer').type('html').send(loginPage('That is not a valid API key.'));
      return;
    }
    req.apiKey = key;
    if (!isAllowed(key.role, ['ops'])) {
      res.status(403).type('html').send(loginPage(`The ${key.role} role may not see the dashboard: log in with an ops or admin key.`));
      return;
    }
    res.cookie(sessionCookie, signSession(sessionKey, { keyId: key.id, expiresAt: Date.now() + sessionLifetimeMs }), { ...cookieOptions(req), maxAge: sessionLifetimeMs });
    res.redirect(303, boardPath);
  });
  router.get('/logout', loginHeaders, noQueryParameters, ready, (req, res) => {
    res.clearCookie(sessionCookie, cookieOptions(req));
    res.redirect(303, loginPath);
  });
  // Bull Board reads its own query parameters, so the rule against unknown ones stops at its door.
  router.use('/queues', boardHeaders, sessionOrBearer(keys, sessionKey), allow('ops'), ready, readOnly, board(queues));
  return router;
}

/**
 * Whether a browser posted the form from the gateway's own page. Another site's page could otherwise log a
 * person in with the other site's key (login CSRF). A caller that is not a browser sends neither header.
 */
function postedFromHere(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = req.get('origin');
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}

/** HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure whenever the page came over HTTPS. */
const cookieOptions = (req: Request): CookieOptions => ({ httpOnly: true, sameSite: 'strict', secure: req.secure, path: dashboardPath });

/** The session cookie, or a Bearer header as on the API; without either a browser is sent to the login form. */
function sessionOrBearer(keys: ApiKeyStore, sessionKey: Buffer) {
  const bearer = authenticate(keys);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.get('authorization') !== undefined) return bearer(req, res, next);
    const session = verifySession(sessionKey, parseCookie(req.get('cookie') ?? '')[sessionCookie] ?? '');
    // Re-read from the keys file each time: a revoked key's session ends with it, and its role is the current one.
    const key = session && keys.get(session.keyId);
    if (key) {
      req.apiKey = key;
      return next();
    }
    if (req.accepts(['application/json', 'text/html']) === 'text/html') return res.redirect(303, loginPath);
    throw problems.unauthorized();
  };
}

/** Retries and cancels go through the API, where each names the key that asked; the board only shows. */
function readOnly(req: Request, _res: Response, next: NextFunction) {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw problems.methodNotAllowed('The dashboard is read-only: retry or cancel a transfer through the API.', 'GET, HEAD');
  next();
}

const readForm = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

/** The login form's fields; a body that cannot be read as a form counts as no key given. */
function formFields(req: Request, res: Response, next: NextFunction) {
  readForm(req, res, (error?: unknown) => {
    if (error) req.body = undefined;
    next();
  });
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

const pageHeaders = (directives: Record<string, string[]>) =>
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'self'"], frameAncestors: ["'none'"], ...directives } },
    xFrameOptions: { action: 'deny' },
  });

const loginHeaders = pageHeaders({});

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

/** The login form; `message` is ours, never what was typed. */
function loginPage(message?: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>supplier-gateway: log in</title>
</head>
<body>
<h1>supplier-gateway deliveries</h1>
${message ? `<p role="alert">${message}</p>\n` : ''}<form method="post" action="${loginPath}">
<label for="key">API key (ops or admin)</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
</body>
</html>
`;
}
