import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { ApiKey } from '../../src/api/api-keys';
import { sessionCookie } from '../../src/api/dashboard';
import type { TestGateway } from './gateway';

/** The supplier queue the test gateway's board lists. */
export const boardQueue = '{deliveries.openprovider}';

export interface PageAnswer {
  status: number;
  type: string;
  headers: Headers;
  /** Where a redirect points. */
  location: string | null;
  /** The Set-Cookie line for the session cookie, if one was sent. */
  setCookie: string | undefined;
  text: string;
}

/** A request as a browser or a program sends it, without following redirects, so they can be checked. */
export async function visit(gateway: { url: string }, method: string, route: string, headers: Record<string, string> = {}, body?: string): Promise<PageAnswer> {
  const response = await fetch(gateway.url + route, { method, headers, body, redirect: 'manual' });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    headers: response.headers,
    location: response.headers.get('location'),
    setCookie: response.headers.getSetCookie().find((line) => line.startsWith(`${sessionCookie}=`)),
    text: await response.text(),
  };
}

/** Posts the login form, as a browser does. */
export const postLogin = (gateway: { url: string }, key: string) =>
  visit(gateway, 'POST', '/admin/login', { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, new URLSearchParams({ key }).toString());

/** Logs in through the form; the `Cookie` header that carries the session. */
export async function logIn(gateway: { url: string }, key: string): Promise<string> {
  const answer = await postLogin(gateway, key);
  if (answer.status !== 303 || !answer.setCookie) throw new Error(`login answered ${answer.status}`);
  return answer.setCookie.split(';')[0];
}

/** The entry of a key in the gateway's keys file. */
export function keyEntry(gateway: Pick<TestGateway, 'env'>, name: string): ApiKey {
  const { keys } = JSON.parse(readFileSync(gateway.env.apiKeysFile, 'utf8')) as { keys: ApiKey[] };
  return keys.find((key) => key.name === name)!;
}

/** Chromium as Debian installs it, headless, with nothing that would reach outside the machine. */
export const chromiumLaunch = {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

/** A page that records what went wrong in it: console errors, uncaught errors, CSP violations. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.exposeFunction('reportViolation', (violation: string) => problems.push(`CSP violation: ${violation}`));
  // Init scripts run before the page's own and outside its CSP.
  await page.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (event) => window.reportViolation(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} ${event.sample}`))",
  });
  return { page, problems };
}
