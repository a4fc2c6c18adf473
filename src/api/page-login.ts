import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { parseCookie } from 'cookie';
import express, { type CookieOptions, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { problems } from '../problem';
import type { ApiKeyStore, ApiRole } from './api-keys';
import { allow, authenticate, isAllowed } from './auth';
import { noQueryParameters } from './query';
import { refuseWhileUnready, type Readiness } from './readiness';

/**
 * Pages for people (the queue dashboard, the privacy page) behind a login form: a browser cannot send a Bearer
 * header, so the form takes the API key and answers with a signed session cookie naming it.
 */

/** A login lasts a working day. */
export const sessionLifetimeMs = 8 * 3600 * 1000;

/**
 * The key that signs one set of pages' sessions: derived from the master key (HKDF-SHA256), so there is no
 * other secret to configure and every API process behind a load balancer accepts the others' sessions; a
 * session of one set of pages is no session of another.
 */
export function pageSessionKey(masterKey: Buffer, pages: 'dashboard' | 'privacy'): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `supplier-gateway ${pages} session v1`, 32));
}

export interface PageSession {
  /** The API key that logged in; checked against the keys file on every request. */
  keyId: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const signatureOf = (sessionKey: Buffer, claims: string) => createHmac('sha256', sessionKey).update(claims).digest();

/** `<key id>.<expiry>.<HMAC-SHA256 of both>`: names the API key without carrying its token, and cannot be made or altered without the session key. */
export function signSession(sessionKey: Buffer, { keyId, expiresAt }: PageSession): string {
  const claims = `${keyId}.${expiresAt}`;
  return `${claims}.${signatureOf(sessionKey, claims).toString('base64url')}`;
}

/** The session `value` holds, when `sessionKey` signed it and it has not expired. */
export function verifySession(sessionKey: Buffer, value: string): PageSession | undefined {
  const parts = /^([\w-]+)\.(\d{1,15})\.([\w-]+)$/.exec(value);
  if (!parts) return undefined;
  const [, keyId, expiry, signature] = parts;
  const given = Buffer.from(signature, 'base64url');
  const expected = signatureOf(sessionKey, `${keyId}.${expiry}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const expiresAt = Number(expiry);
  return expiresAt > Date.now() ? { keyId, expiresAt } : undefined;
}

/** Headers for pages: helmet's, with a CSP that allows nothing but what `directives` add. */
export const pageHeaders = (directives: Record<string, string[]> = {}) =>
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'self'"], frameAncestors: ["'none'"], ...directives } },
    xFrameOptions: { action: 'deny' },
  });

/**
 * Whether a browser posted a form from the gateway's own page. Another site's page could otherwise log a person
 * in with the other site's key (login CSRF), or act in their session. A caller that is not a browser sends neither header.
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

const readForm = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

/** A form's fields in `req.body`; a body that cannot be read as a form counts as no fields given. */
export function formFields(req: Request, res: Response, next: NextFunction) {
  readForm(req, res, (error?: unknown) => {
    if (error) req.body = undefined;
    next();
  });
}

export interface PageLoginOptions {
  /** Where the pages live (`/admin`); the cookie is sent there only. */
  basePath: string;
  cookie: string;
  /** The roles that may log in, besides admin. */
  roles: ApiRole[];
  /** What the pages are, for the form's heading. */
  title: string;
  /** Where a login leads. */
  landing: string;
  sessionKey: Buffer;
  keys: ApiKeyStore;
  readiness: Readiness;
}

export interface PageLogin {
  /** `GET`/`POST /login` and `GET /logout`, to mount at `basePath`. */
  routes: express.Router;
  /**
   * The session cookie, or a Bearer header as on the API, of a key with one of the roles; without either a
   * browser is sent to the login form, anything else gets a 401 problem.
   */
  session: RequestHandler[];
  /** Refuses a form posted from another site's page. */
  postedHere: RequestHandler;
}

export function pageLogin({ basePath, cookie, roles, title, landing, sessionKey, keys, readiness }: PageLoginOptions): PageLogin {
  const loginPath = `${basePath}/login`;
  const ready = refuseWhileUnready(readiness);
  const headers = pageHeaders();
  const roleNames = [...roles, 'admin'].join(' or ');
  /** HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure whenever the page came over HTTPS. */
  const cookieOptions = (req: Request): CookieOptions => ({ httpOnly: true, sameSite: 'strict', secure: req.secure, path: basePath });

  /** The login form; `message` is ours, never what was typed. */
  const loginPage = (message?: string) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>supplier-gateway: log in</title>
</head>
<body>
<h1>supplier-gateway ${title}</h1>
${message ? `<p role="alert">${message}</p>\n` : ''}<form method="post" action="${loginPath}">
<label for="key">API key (${roleNames})</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
</body>
</html>
`;

  const routes = express.Router();
  routes.get('/login', headers, noQueryParameters, ready, (_req, res) => {
    res.type('html').send(loginPage());
  });
  routes.post('/login', headers, noQueryParameters, ready, formFields, (req, res) => {
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
    if (!isAllowed(key.role, roles)) {
      res.status(403).type('html').send(loginPage(`The ${key.role} role may not see the ${title}: log in with a key whose role is ${roleNames}.`));
      return;
    }
    res.cookie(cookie, signSession(sessionKey, { keyId: key.id, expiresAt: Date.now() + sessionLifetimeMs }), { ...cookieOptions(req), maxAge: sessionLifetimeMs });
    res.redirect(303, landing);
  });
  routes.get('/logout', headers, noQueryParameters, ready, (req, res) => {
    res.clearCookie(cookie, cookieOptions(req));
    res.redirect(303, loginPath);
  });

  const bearer = authenticate(keys);
  const identify: RequestHandler = (req, res, next) => {
    if (req.get('authorization') !== undefined) return bearer(req, res, next);
    const found = verifySession(sessionKey, parseCookie(req.get('cookie') ?? '')[cookie] ?? '');
    // Re-read from the keys file each time: a revoked key's session ends with it, and its role is the current one.
    const key = found && keys.get(found.keyId);
    if (key) {
      req.apiKey = key;
      return next();
    }
    if (req.accepts(['application/json', 'text/html']) === 'text/html') return res.redirect(303, loginPath);
    throw problems.unauthorized();
  };
  const postedHere: RequestHandler = (req, _res, next) => {
    if (!postedFromHere(req)) throw problems.crossSite();
    next();
  };
  return { routes, session: [identify, allow(...roles), ready], postedHere };
}
