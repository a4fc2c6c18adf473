import escapeHtml from 'escape-html';
import { privacyCookie } from '../../src/api/privacy-page/router';
import { subjectHash } from '../../src/crypto/sealing';
import { keyEntry, visit } from '../support/dashboard';
import { api, canary, leakedCanaries, registerBody, startTestGateway, transferStatus, type TestGateway } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';

// Issue 12, point 7: the privacy page, through a real port, Redis, PostgreSQL and the Openprovider sandbox.

let gateway: TestGateway;
/** A subject with a delivered transfer, another one's, and one whose id is markup. */
const subject = uniqueName('cust-');
const other = uniqueName('cust-');
const markupSubject = `<script>alert(1)</script>${uniqueName('-')}`;
const made: Record<'subject' | 'other' | 'markup', { id: string; body: ReturnType<typeof registerBody> }> = {} as never;

async function deliver(subjectId: string) {
  const body = registerBody(subjectId);
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('page-') } });
  expect(answer.status).toBe(202);
  await transferStatus(gateway, answer.json.id, ['delivered']);
  return { id: answer.json.id as string, body };
}

beforeAll(async () => {
  gateway = await startTestGateway();
  made.subject = await deliver(subject);
  made.other = await deliver(other);
  made.markup = await deliver(markupSubject);
});
afterAll(() => gateway?.close());

const asBrowser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const sessionOf = (setCookie: string[]) => setCookie.find((line) => line.startsWith(`${privacyCookie}=`));
const postLogin = (key: string) => visit(gateway, 'POST', '/privacy/login', { 'content-type': 'application/x-www-form-urlencoded', ...asBrowser }, form({ key }));

/** The `Cookie` header of a session of the key, logged in through the form. */
async function logIn(key: string): Promise<string> {
  const answer = await postLogin(key);
  expect(answer.status).toBe(303);
  return sessionOf(answer.headers.getSetCookie())!.split(';')[0];
}

let privacySession: string;
const show = async (route: string, status = 200) => {
  privacySession ??= await logIn(gateway.keys.privacy);
  const answer = await visit(gateway, 'GET', route, { ...asBrowser, cookie: privacySession });
  expect({ route, status: answer.status, type: answer.type }).toEqual({ route, status, type: expect.stringContaining(status === 200 && route.includes('.csv') ? 'text/csv' : 'text/html') });
  return answer;
};

/** Posts the erasure form as the page's own form does. */
const postErasure = async (fields: Record<string, string>, headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' }) =>
  visit(gateway, 'POST', '/privacy/erasures', { ...asBrowser, 'content-type': 'application/x-www-form-urlencoded', cookie: (privacySession ??= await logIn(gateway.keys.privacy)), ...headers }, form(fields));

/** The newest recorded reads, as an admin lists them. */
const latestConsultations = async (count: number) => (await api(gateway, 'GET', `/v1/consultations?limit=${count}`, { token: gateway.keys.admin })).json.items;

const tableRows = (text: string) => [...text.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)].flatMap(([, body]) => body.match(/<tr>/g) ?? []).length;

describe('logging in', () => {
  test('without a session a browser is sent to the login form; a program gets a 401 problem', async () => {
    for (const route of ['/privacy', '/privacy/shares', '/privacy/verify']) {
      const page = await visit(gateway, 'GET', route, asBrowser);
      expect({ route, status: page.status, location: page.location }).toEqual({ route, status: 303, location: '/privacy/login' });
    }
    expect((await visit(gateway, 'GET', '/privacy', { accept: 'application/json' })).status).toBe(401);
  });

  test('a wrong key: 401 and the form again; an ops or provisioning key: 403 naming the role; neither sets a cookie', async () => {
    const wrong = await postLogin(`sgw_${canary.email}`);
    expect({ status: wrong.status, type: wrong.type, session: sessionOf(wrong.headers.getSetCookie()) }).toEqual({ status: 401, type: expect.stringContaining('text/html'), session: undefined });
    expect(wrong.text).toContain('<form method="post" action="/privacy/login">');
    expect(wrong.text).not.toContain(canary.email);
    for (const role of ['ops', 'provisioning'] as const) {
      const answer = await postLogin(gateway.keys[role]);
      expect({ role, status: answer.status, session: sessionOf(answer.headers.getSetCookie()) }).toEqual({ role, status: 403, session: undefined });
      expect(answer.text).toContain(`The ${role} role may not see the privacy pages`);
    }
  });

  test('a privacy or admin key: 303 to /privacy with an HttpOnly, SameSite=Strict cookie for /privacy only, which is not the token', async () => {
    for (const role of ['privacy', 'admin'] as const) {
      const answer = await postLogin(gateway.keys[role]);
      expect({ role, status: answer.status, location: answer.location }).toEqual({ role, status: 303, location: '/privacy' });
      const [value, ...attributes] = sessionOf(answer.headers.getSetCookie())!.split(/;\s*/);
      expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/privacy']));
      expect(value).not.toContain(gateway.keys[role]);
      expect(value).not.toContain(keyEntry(gateway, `test-${role}`).tokenHash);
      const page = await visit(gateway, 'GET', '/privacy', { ...asBrowser, cookie: value });
      expect({ role, status: page.status }).toEqual({ role, status: 200 });
      expect(page.text).toContain('<form method="get" action="/privacy/disclosures">');
    }
  });

  test("a dashboard session is no privacy session: the dashboard's cookie value under the privacy cookie's name is refused", async () => {
    const dashboard = await visit(gateway, 'POST', '/admin/login', { 'content-type': 'application/x-www-form-urlencoded' }, form({ key: gateway.keys.admin }));
    const value = dashboard.headers.getSetCookie()[0].split(';')[0].split('=')[1];
    const page = await visit(gateway, 'GET', '/privacy', { ...asBrowser, cookie: `${privacyCookie}=${value}` });
    expect({ status: page.status, location: page.location }).toEqual({ status: 303, location: '/privacy/login' });
  });
});

describe('every page', () => {
  const pages = ['/privacy', `/privacy/disclosures?subject=${subject}`, '/privacy/shares', '/privacy/verify', '/privacy/record', '/privacy/login'];

  test('has a CSP that allows no script and only its own stylesheet, a lang, a title and one h1; no script, nothing from another site', async () => {
    for (const route of pages) {
      const page = await show(route);
      expect({ route, csp: page.headers.get('content-security-policy') }).toEqual({
        route,
        csp: route.endsWith('/login') ? "default-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'" : "default-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none';style-src 'self'",
      });
      expect(page.text).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
      expect(page.text).toMatch(/<title>[^<]+<\/title>/);
      expect(page.text.match(/<h1>/g)).toHaveLength(1);
      expect(page.text).not.toMatch(/<script|https?:\/\//);
    }
    const stylesheet = await visit(gateway, 'GET', '/privacy/style.css');
    expect({ status: stylesheet.status, type: stylesheet.type }).toEqual({ status: 200, type: expect.stringContaining('text/css') });
  });

  test('labels every field and heads every table column', async () => {
    for (const route of pages.slice(0, 3)) {
      const { text } = await show(route);
      for (const [, id] of text.matchAll(/<(?:input|select) [^>]*id="([^"]+)"/g)) expect({ route, label: text.includes(`<label for="${id}">`) }).toEqual({ route, label: true });
      for (const [, head] of text.matchAll(/<thead>([\s\S]*?)<\/thead>/g)) expect(head).toMatch(/^<tr>(<th scope="col">[^<]+<\/th>)+<\/tr>$/);
    }
  });
});

describe('a subject', () => {
  test("shows its disclosures, the summary to send and a table per recipient, with the erasure form; nothing of another subject; the read recorded", async () => {
    const disclosures = await api(gateway, 'GET', `/v1/subjects/${subject}/disclosures`, { token: gateway.keys.privacy });
    const { text } = await show(`/privacy/disclosures?subject=${subject}`);
    const { summary } = disclosures.json as { summary: string };
    expect(summary).toMatch(/^Openprovider B\.V\. .* received data about you once/);
    for (const sentence of summary.split('\n')) expect(text).toContain(`<p>${escapeHtml(sentence)}</p>`);
    expect(text).toContain('<caption>Transfers to Openprovider B.V.</caption>');
    expect(text).toContain(`contract (${made.subject.body.basis.reference})`);
    expect(text).toMatch(/<td>domain_registration<\/td>.*<td>delivered<\/td>/);
    expect(tableRows(text)).toBe(1);
    expect(text).toContain('<form method="post" action="/privacy/erasures">');
    expect(text).toContain(`<input type="hidden" name="subject" value="${subject}">`);
    expect(leakedCanaries(text)).toEqual([]);
    for (const leak of [other, made.other.id, made.other.body.data.domain, made.subject.body.data.domain]) expect(text).not.toContain(leak);

    const [read] = await latestConsultations(1);
    expect(read).toMatchObject({ apiKeyName: 'test-privacy', resource: 'disclosures', filter: { subjectHash: subjectHash(gateway.env.subjectHashKey, subject) } });
  });

  test('a subject id that is markup shows as text', async () => {
    const { text } = await show(`/privacy/disclosures?subject=${encodeURIComponent(markupSubject)}`);
    expect(text).not.toContain('<script>');
    expect(text).toContain(`What was shared about &lt;script&gt;alert(1)&lt;/script&gt;`);
    expect(tableRows(text)).toBe(1);
  });

  test('no subject, a bad one or an unknown parameter: the form again with what is wrong, as a page; no read recorded', async () => {
    const [before] = await latestConsultations(1);
    for (const [query, field] of [['', 'subject'], [`?subject=${'x'.repeat(201)}`, 'subject'], [`?subject=${subject}&colour=blue`, 'colour']]) {
      const { text } = await show(`/privacy/disclosures${query}`, 400);
      expect(text).toContain('<div class="alert" role="alert">');
      expect(text).toMatch(new RegExp(`<li>${field}: `));
      expect(text).toContain('<form method="get" action="/privacy/disclosures">');
    }
    expect(await latestConsultations(1)).toEqual([before]);
  });
});

describe('an erasure', () => {
  test('started from the form: 303 to its page, which reloads itself while it runs and says so, until the statement is complete; a second one while it runs is refused with a link to it; each read recorded', async () => {
    const reference = `<script>ticket</script>${uniqueName('-')}`;
    // The supplier answers the erasure slowly: it is still running while the test looks.
    gateway.sandbox.faults.inject({ kind: 'delay', method: 'DELETE', delayMs: 3000 });
    const started = await postErasure({ subject: markupSubject, reference, reason: 'consent_withdrawn' });
    expect(started.status).toBe(303);
    const [, id] = /^\/privacy\/erasures\/([0-9a-f-]{36})$/.exec(started.location!)!;

    const running = await show(started.location!);
    expect(running.text).toContain('Erasure &lt;script&gt;ticket&lt;/script&gt;');
    expect(running.text).not.toContain('<script>');
    expect(running.text).toContain('<meta http-equiv="refresh" content="3">');
    expect(running.text).toContain('This page reloads itself every 3 seconds until the erasure has completed.');
    const again = await postErasure({ subject: markupSubject, reference: uniqueName('again-'), reason: 'objection' });
    expect(again.status).toBe(409);
    expect(again.text).toContain(`<a href="/privacy/erasures/${id}">The erasure that is running</a>`);

    const done = await waitFor(async () => {
      const page = await show(started.location!);
      return page.text.includes('Completed on') && page.text;
    }, 'the erasure to complete');
    expect(done).not.toContain('http-equiv="refresh"');
    expect(done).toContain('<h3>Openprovider B.V.: retained</h3>');
    expect(done).toContain(made.markup.id);
    expect(leakedCanaries(done)).toEqual([]);
    expect(done).not.toContain(made.subject.id);

    const [read] = await latestConsultations(1);
    expect(read).toMatchObject({ apiKeyName: 'test-privacy', resource: 'erasure', filter: { erasureId: id } });
    const statement = await api(gateway, 'GET', `/v1/erasures/${id}`, { token: gateway.keys.privacy });
    expect(statement.json).toMatchObject({ reference, reason: 'consent_withdrawn', status: 'completed' });
  });

  test('bad fields: 422 and the form again, naming each, with what was typed; nothing started', async () => {
    const answer = await postErasure({ subject, reference: 'ticket-1', reason: 'bored' });
    expect({ status: answer.status, type: answer.type }).toEqual({ status: 422, type: expect.stringContaining('text/html') });
    expect(answer.text).toMatch(/<li>reason: /);
    expect(answer.text).toContain('value="ticket-1"');
    expect(answer.text).toContain(`<input type="hidden" name="subject" value="${subject}">`);
    expect((await gateway.db.query('select 1 from erasures where reference = $1', ['ticket-1'])).length).toBe(0);
  });

  test('a form posted from another site is refused with 403, and nothing is started', async () => {
    const reference = uniqueName('cross-');
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'http://attacker.example' }] as Record<string, string>[]) {
      const answer = await postErasure({ subject, reference, reason: 'objection' }, headers);
      expect({ headers, status: answer.status }).toEqual({ headers, status: 403 });
    }
    expect((await gateway.db.query('select 1 from erasures where reference = $1', [reference])).length).toBe(0);
  });

  test('an unknown erasure: 404, as a page', async () => {
    const { text } = await show('/privacy/erasures/00000000-0000-4000-8000-000000000000', 404);
    expect(text).toContain('No erasure with that id.');
  });
});

describe('the shares log', () => {
  test('filters, pages and links the CSV; nothing of another subject; the read recorded', async () => {
    const listed = await api(gateway, 'GET', `/v1/shares?subject=${subject}`, { token: gateway.keys.privacy });
    const { text } = await show(`/privacy/shares?subject=${subject}`);
    expect(tableRows(text)).toBe(listed.json.items.length);
    expect(text).toContain(`<a href="/privacy/shares.csv?subject=${subject}" download>`);
    expect(text).toContain(made.subject.id);
    expect(text).not.toContain(made.other.id);
    const [read] = await latestConsultations(1);
    expect(read).toMatchObject({ apiKeyName: 'test-privacy', resource: 'shares', filter: { subjectHash: subjectHash(gateway.env.subjectHashKey, subject) } });

    const firstPage = await show(`/privacy/shares?subject=${subject}&limit=1`);
    expect(tableRows(firstPage.text)).toBe(1);
    const next = /<a href="([^"]+)">Next entries<\/a>/.exec(firstPage.text)![1].replace(/&amp;/g, '&');
    const secondPage = await show(next);
    expect(tableRows(secondPage.text)).toBe(1);
    expect(secondPage.text).toContain(`<td>${listed.json.items[1].seq}</td>`);
  });

  test('a bad filter: 400 and the filter form again with what was typed, naming the parameter', async () => {
    const { text } = await show('/privacy/shares?since=yesterday&supplier=openprovider', 400);
    expect(text).toMatch(/<li>since: must be a date/);
    expect(text).toContain('value="openprovider"');
    expect(text).not.toContain('<tbody>');
  });

  test('the CSV download is the API’s CSV for the same filter, as an attachment; paging it is refused', async () => {
    const csv = await show(`/privacy/shares.csv?subject=${subject}`);
    expect(csv.headers.get('content-disposition')).toBe("attachment; filename=shares.csv");
    const fromApi = await api(gateway, 'GET', `/v1/shares?format=csv&subject=${subject}`, { token: gateway.keys.privacy });
    expect(csv.text).toBe(fromApi.text);
    expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(3);
    await show(`/privacy/shares.csv?subject=${subject}&limit=1`, 400);
  });
});

test("the verify page shows the API's verification, the latest signed head and the public key to check it with", async () => {
  const signed = await api(gateway, 'POST', '/v1/shares/checkpoint', { token: gateway.keys.privacy });
  expect(signed.status).toBe(200);
  const verification = (await api(gateway, 'GET', '/v1/shares/verify', { token: gateway.keys.privacy })).json;
  const { text } = await show('/privacy/verify');
  expect(verification).toMatchObject({ ok: true, checkpoint: { seq: signed.json.seq } });
  expect(text).toContain('The hash chain holds, and matches the latest signed head');
  expect(text).toContain(`<dt>Entries</dt><dd>${verification.entries}</dd>`);
  expect(text).toContain(`hash <code>${verification.head.hash}</code>`);
  expect(text).toContain(`<dt>Hash</dt><dd><code>${signed.json.hash}</code></dd>`);
  expect(text).toContain(`<code>${signed.json.signature}</code>`);
  expect(text).toContain(`<pre>${signed.json.publicKey}</pre>`);
});

test('the record of processing shows each activity from the agreements', async () => {
  const record = (await api(gateway, 'GET', '/v1/record-of-processing', { token: gateway.keys.privacy })).json;
  const { text } = await show('/privacy/record');
  for (const activity of record.activities) {
    expect(text).toContain(`<h2>${activity.recipient.legalName}</h2>`);
    expect(text).toContain(activity.agreement.reference);
    for (const purpose of activity.purposes) expect(text).toContain(`<td>${purpose.purpose}</td>`);
  }
});
