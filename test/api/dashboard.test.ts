import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createApiKey, type ApiKey } from '../../src/api/api-keys';
import { sessionCookie } from '../../src/api/dashboard';
import { pageSessionKey, sessionLifetimeMs, signSession } from '../../src/api/page-login';
import { boardQueue, keyEntry, logIn, postLogin, visit } from '../support/dashboard';
import { api, canary, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';

// Issue 11 point 6: Bull Board at /admin/queues for ops and admin, read-only, behind a login form whose
// session cookie names the API key without carrying it.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const board = '/admin/queues';
const queuesApi = `${board}/api/queues`;
const queueRoute = (status: string) => `${queuesApi}?activeQueue=${encodeURIComponent(boardQueue)}&status=${status}&page=1&jobsPerPage=50`;
const asBrowser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const withSession = (session: string) => ({ ...asBrowser, cookie: `${sessionCookie}=${session}` });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The directives of a Content-Security-Policy header, by name. */
function directives(policy: string | null): Record<string, string[]> {
  return Object.fromEntries((policy ?? '').split(';').map((directive) => {
    const [name, ...sources] = directive.trim().split(/\s+/);
    return [name, sources];
  }));
}

describe('who may see the board', () => {
  test('without a session or key: a browser is sent to the login form (303), a program gets a 401 problem', async () => {
    const page = await visit(gateway, 'GET', board, asBrowser);
    expect({ status: page.status, location: page.location }).toEqual({ status: 303, location: '/admin/login' });
    for (const headers of [{}, { accept: 'application/json' }, { accept: '*/*' }] as Record<string, string>[]) {
      const answer = await visit(gateway, 'GET', queuesApi, headers);
      expect({ headers, status: answer.status, type: answer.type }).toEqual({ headers, status: 401, type: expect.stringContaining('application/problem+json') });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  test('an ops or admin key works as a Bearer header, as on the API; a provisioning or privacy key is refused with 403; a wrong one with 401', async () => {
    for (const role of ['ops', 'admin'] as const) {
      const answer = await visit(gateway, 'GET', queuesApi, bearer(gateway.keys[role]));
      expect({ role, status: answer.status }).toEqual({ role, status: 200 });
      expect(JSON.parse(answer.text).queues.map((queue: { name: string }) => queue.name)).toEqual([boardQueue]);
    }
    for (const role of ['provisioning', 'privacy'] as const) {
      for (const route of [board, queuesApi]) {
        const answer = await visit(gateway, 'GET', route, { ...asBrowser, ...bearer(gateway.keys[role]) });
        expect({ role, route, status: answer.status, type: answer.type }).toEqual({ role, route, status: 403, type: expect.stringContaining('application/problem+json') });
      }
    }
    expect((await visit(gateway, 'GET', queuesApi, bearer('sgw_not-a-key'))).status).toBe(401);
  });
});

describe('logging in', () => {
  test('the form: a page of its own with a CSP that allows no script and posts only to itself; unknown query parameters refused', async () => {
    const form = await visit(gateway, 'GET', '/admin/login', asBrowser);
    expect({ status: form.status, type: form.type }).toEqual({ status: 200, type: expect.stringContaining('text/html') });
    expect(form.headers.get('content-security-policy')).toBe("default-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'");
    expect(form.headers.get('x-frame-options')).toBe('DENY');
    expect(form.text).toContain('<form method="post" action="/admin/login">');
    expect(form.text).not.toContain('<script');

    const unknown = await visit(gateway, 'GET', '/admin/login?colour=blue', asBrowser);
    expect({ status: unknown.status, type: unknown.type }).toEqual({ status: 400, type: expect.stringContaining('application/problem+json') });
    expect(JSON.parse(unknown.text).errors).toEqual([{ pointer: '/query/colour', detail: expect.any(String) }]);
  });

  test('a wrong key: the form again, 401, saying so without echoing what was typed, and no cookie', async () => {
    const typed = `sgw_${canary.email}`;
    for (const answer of [await postLogin(gateway, typed), await visit(gateway, 'POST', '/admin/login', { 'content-type': 'application/x-www-form-urlencoded' }, '')]) {
      expect({ status: answer.status, type: answer.type, setCookie: answer.setCookie }).toEqual({ status: 401, type: expect.stringContaining('text/html'), setCookie: undefined });
      expect(answer.text).toContain('That is not a valid API key.');
      expect(answer.text).toContain('<form method="post" action="/admin/login">');
      expect(answer.text).not.toContain(canary.email);
    }
    expect(gateway.logs()).not.toContain(canary.email);
  });

  test('a provisioning or privacy key: the form again, 403, naming the role, and no cookie', async () => {
    for (const role of ['provisioning', 'privacy'] as const) {
      const answer = await postLogin(gateway, gateway.keys[role]);
      expect({ role, status: answer.status, setCookie: answer.setCookie }).toEqual({ role, status: 403, setCookie: undefined });
      expect(answer.text).toContain(`The ${role} role may not see the dashboard`);
    }
  });

  test('a login posted from another site is refused (login CSRF), by Sec-Fetch-Site or by Origin; one from the page itself passes', async () => {
    const form = `key=${encodeURIComponent(gateway.keys.ops)}`;
    const post = (headers: Record<string, string>) => visit(gateway, 'POST', '/admin/login', { 'content-type': 'application/x-www-form-urlencoded', ...headers }, form);
    const foreign: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://attacker.example' }, { origin: 'null' }];
    for (const headers of foreign) {
      const answer = await post(headers);
      expect({ headers, status: answer.status, setCookie: answer.setCookie }).toEqual({ headers, status: 403, setCookie: undefined });
    }
    const own = await post({ 'sec-fetch-site': 'same-origin', origin: new URL(gateway.url).origin });
    expect(own.status).toBe(303);
  });

  test('an ops or admin key: 303 to the board with a session cookie that is HttpOnly, SameSite=Strict, for /admin only, 8 hours, and not the token', async () => {
    for (const role of ['ops', 'admin'] as const) {
      const answer = await postLogin(gateway, gateway.keys[role]);
      expect({ role, status: answer.status, location: answer.location }).toEqual({ role, status: 303, location: board });
      const attributes = answer.setCookie!.split(/;\s*/).slice(1);
      expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/admin', `Max-Age=${sessionLifetimeMs / 1000}`]));
      // Plain HTTP here (npm start on 127.0.0.1): a Secure cookie would never come back.
      expect(attributes).not.toContain('Secure');
      const value = answer.setCookie!.split(';')[0].slice(sessionCookie.length + 1);
      expect(value).not.toContain(gateway.keys[role]);
      expect(value).not.toContain(keyEntry(gateway, `test-${role}`).tokenHash);

      const page = await visit(gateway, 'GET', board, withSession(value));
      expect({ role, status: page.status, type: page.type }).toEqual({ role, status: 200, type: expect.stringContaining('text/html') });
      const queues = await visit(gateway, 'GET', queuesApi, { cookie: `${sessionCookie}=${value}` });
      expect(JSON.parse(queues.text).queues.map((queue: { name: string }) => queue.name)).toEqual([boardQueue]);
    }
  });

  test('logging out clears the cookie and returns to the form', async () => {
    const answer = await visit(gateway, 'GET', '/admin/logout', { ...asBrowser, cookie: await logIn(gateway, gateway.keys.ops) });
    expect({ status: answer.status, location: answer.location }).toEqual({ status: 303, location: '/admin/login' });
    expect(answer.setCookie).toMatch(/^sgw_dashboard=;.*Path=\/admin;.*Expires=Thu, 01 Jan 1970/);
  });
});

describe('sessions', () => {
  test('a forged, altered or expired session is refused; the same session, signed and current, is accepted', async () => {
    const sessionKey = pageSessionKey(gateway.env.masterKey, 'dashboard');
    const ops = keyEntry(gateway, 'test-ops');
    const admin = keyEntry(gateway, 'test-admin');
    const inAnHour = Date.now() + 3600_000;
    const [keyId, expiry, signature] = (await logIn(gateway, gateway.keys.ops)).split('=')[1].split('.');
    const refused = {
      'signed with another key': signSession(randomBytes(32), { keyId: ops.id, expiresAt: inAnHour }),
      'another key id under the signature': `${admin.id}.${expiry}.${signature}`,
      'a later expiry under the signature': `${keyId}.${Number(expiry) + 3600_000}.${signature}`,
      expired: signSession(sessionKey, { keyId: ops.id, expiresAt: Date.now() - 1000 }),
      'a key id that is not in the keys file': signSession(sessionKey, { keyId: 'no-such-key', expiresAt: inAnHour }),
      'the API token itself': gateway.keys.ops,
    };
    for (const [what, session] of Object.entries(refused)) {
      const page = await visit(gateway, 'GET', board, withSession(session));
      expect({ what, status: page.status, location: page.location }).toEqual({ what, status: 303, location: '/admin/login' });
      const answer = await visit(gateway, 'GET', queuesApi, { cookie: `${sessionCookie}=${session}` });
      expect({ what, status: answer.status }).toEqual({ what, status: 401 });
    }
    expect((await visit(gateway, 'GET', board, withSession(signSession(sessionKey, { keyId: ops.id, expiresAt: inAnHour })))).status).toBe(200);
    expect((await visit(gateway, 'GET', board, withSession(`${keyId}.${expiry}.${signature}`))).status).toBe(200);
  });

  test("a revoked key's session is refused from then on; other sessions go on", async () => {
    const { key, token } = createApiKey(gateway.env.apiKeysFile, uniqueName('revocable-'), 'ops');
    const revocable = await logIn(gateway, token);
    const other = await logIn(gateway, gateway.keys.ops);
    expect((await visit(gateway, 'GET', queuesApi, { cookie: revocable })).status).toBe(200);

    revoke(key.id);
    await waitFor(async () => (await visit(gateway, 'GET', queuesApi, { cookie: revocable })).status === 401, 'the revoked key’s session to be refused', 5000);
    expect((await visit(gateway, 'GET', board, { ...asBrowser, cookie: revocable })).status).toBe(303);
    expect((await visit(gateway, 'GET', queuesApi, { cookie: other })).status).toBe(200);
  });
});

describe('what the board shows and allows', () => {
  test('read-only: retrying through the board is refused with 405, by session or by key; the queue says readOnlyMode', async () => {
    const retry = `${queuesApi}/${encodeURIComponent(boardQueue)}/retry/failed`;
    for (const headers of [{ cookie: await logIn(gateway, gateway.keys.ops) }, bearer(gateway.keys.admin)]) {
      const answer = await visit(gateway, 'POST', retry, headers);
      expect({ status: answer.status, type: answer.type, allow: answer.headers.get('allow') }).toEqual({ status: 405, type: expect.stringContaining('application/problem+json'), allow: 'GET, HEAD' });
    }
    const queues = JSON.parse((await visit(gateway, 'GET', queuesApi, bearer(gateway.keys.ops))).text).queues;
    expect(queues).toEqual([expect.objectContaining({ name: boardQueue, readOnlyMode: true, allowRetries: false })]);
  });

  test('the board page has a CSP of its own: its own scripts, styles, images, fonts and API, inline styles only by hash; the API keeps default-src none', async () => {
    const page = await visit(gateway, 'GET', board, { ...asBrowser, cookie: await logIn(gateway, gateway.keys.ops) });
    expect(page.status).toBe(200);
    const policy = page.headers.get('content-security-policy');
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    const csp = directives(policy);
    expect(csp).toMatchObject({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'img-src': ["'self'"],
      'font-src': ["'self'"],
      'connect-src': ["'self'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    expect(csp['style-src']).toEqual(["'self'", ...csp['style-src'].slice(1).map(() => expect.stringMatching(/^'sha256-[A-Za-z0-9+/]+=*'$/))]);
    expect(csp['style-src-attr']).toEqual(["'unsafe-hashes'", ...csp['style-src-attr'].slice(1).map(() => expect.stringMatching(/^'sha256-[A-Za-z0-9+/]+=*'$/))]);
    // No request leaves for another site: Bull Board's Google Fonts stylesheet is left out.
    expect(page.text).not.toMatch(/https?:\/\//);
    expect(page.headers.get('x-powered-by')).toBeNull();

    const apiAnswer = await api(gateway, 'GET', '/v1/shares', { token: gateway.keys.privacy });
    expect(apiAnswer.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
  });

  test('jobs show the transfer id only; failure reasons and stack traces carry no personal data', async () => {
    const watched = new Map<string, string>(Object.entries(canary).map(([name, value]) => [value, `canary ${name}`]));
    const post = async (domain?: string) => {
      const body = registerBody(undefined, domain);
      watched.set(body.subject.id, 'a subject id');
      watched.set(body.data.registrant.phone, 'a phone number');
      if (!domain) watched.set(body.data.domain, 'a domain');
      const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('board-') } });
      expect(answer.status).toBe(202);
      return answer.json.id as string;
    };
    const delivered = await post();
    await transferStatus(gateway, delivered, ['delivered']);
    // One failed attempt before delivery leaves an error and a stack trace on a job that completed.
    gateway.sandbox.faults.inject({ kind: 'server_error', method: 'POST', path: '/domains', status: 500 });
    const retried = await post();
    expect(await transferStatus(gateway, retried, ['delivered'])).toMatchObject({ attempts: 2 });
    const rejected = await post('taken-example.nl');
    await transferStatus(gateway, rejected, ['failed']);

    const ops = bearer(gateway.keys.ops);
    const shown = [await visit(gateway, 'GET', queueRoute('completed'), ops), await visit(gateway, 'GET', queueRoute('failed'), ops)];
    for (const id of [delivered, retried, rejected]) shown.push(await visit(gateway, 'GET', `${queuesApi}/${encodeURIComponent(boardQueue)}/${id}`, ops));
    expect(shown.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);

    const jobs = shown.slice(2).map((answer) => JSON.parse(answer.text).job);
    expect(jobs.map((job) => job.data)).toEqual([{ transferId: delivered }, { transferId: retried }, { transferId: rejected }]);
    expect(jobs.map((job) => job.returnValue ?? null)).toEqual([null, null, null]);
    expect(jobs[1].stacktrace).toEqual([expect.stringContaining('RetryScheduled: supplier.unavailable.http_500')]);
    expect(jobs[2].failedReason).toBe('supplier.rejected.domain_taken');
    const text = shown.map((answer) => answer.text).join('\n');
    expect([...watched].filter(([value]) => text.includes(value)).map(([, name]) => name)).toEqual([]);
  });
});

/** What `sgw keys revoke` would do: the key's entry leaves the keys file (written whole, then renamed into place). */
function revoke(id: string): void {
  const file = gateway.env.apiKeysFile;
  const { keys } = JSON.parse(readFileSync(file, 'utf8')) as { keys: ApiKey[] };
  writeFileSync(`${file}.tmp`, JSON.stringify({ keys: keys.filter((key) => key.id !== id) }));
  renameSync(`${file}.tmp`, file);
}
