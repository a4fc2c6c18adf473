import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JsonHttpClient, SupplierUnavailableError, unlessAborted } from '../../src/connector-kit';
import { closedPort } from './pgp-sftp/support/ports';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A supplier on 127.0.0.1 that records each request and answers as `reply` says (after `delayMs`). */
let reply: { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };
const received: Received[] = [];
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    setTimeout(() => res.writeHead(reply.status, reply.headers).end(reply.body ?? ''), reply.delayMs ?? 0);
  });
});
let baseUrl: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  received.splice(0);
  reply = { status: 200, body: '{"ok":true}' };
});

function logged() {
  const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const record = (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields });
  return { lines, log: { debug: record, info: record, warn: record, error: record } };
}

const client = (timeoutMs = 2000) =>
  new JsonHttpClient({ supplier: 'Example', connectorId: 'example', baseUrl, timeoutMs, headers: { authorization: 'ApiKey k' }, logFieldsOf: (answer) => ({ ok: (answer.body as { ok?: boolean } | undefined)?.ok }) });

describe('the connector kit JSON-over-HTTP client', () => {
  it('sends the exact body with the configured and per-call headers, and logs the label and status but never the path', async () => {
    const { lines, log } = logged();
    const body = Buffer.from('{"name":"Jan de Vries"}');
    const answer = await client().send({ method: 'POST', path: '/contacts/jan.de.vries', label: 'contacts.create', query: { page: 2 }, body, log }, { 'x-extra': 'yes' });

    expect(answer).toEqual({ status: 200, body: { ok: true }, retryAfter: undefined });
    expect(received).toEqual([expect.objectContaining({ method: 'POST', url: '/v2/contacts/jan.de.vries?page=2', body: body.toString('utf8') })]);
    expect(received[0].headers).toMatchObject({ authorization: 'ApiKey k', 'x-extra': 'yes', 'content-type': 'application/json' });
    expect(lines).toEqual([{ message: 'example call', fields: { call: 'contacts.create', httpStatus: 200, ok: true, durationMs: expect.any(Number) } }]);
    expect(JSON.stringify(lines)).not.toMatch(/jan|vries/i);
  });

  it('hands back any status as an answer, with Retry-After and the body parsed when it is JSON, and never follows a redirect', async () => {
    reply = { status: 429, headers: { 'retry-after': '7' } };
    await expect(client().send({ method: 'GET', path: '/domains', label: 'domains.list' })).resolves.toEqual({ status: 429, body: undefined, retryAfter: '7' });
    reply = { status: 502, body: '<html><body>Bad gateway</body></html>' };
    await expect(client().send({ method: 'GET', path: '/domains', label: 'domains.list' })).resolves.toEqual({ status: 502, body: undefined, retryAfter: undefined });
    reply = { status: 302, headers: { location: `${baseUrl}elsewhere` } };
    await expect(client().send({ method: 'GET', path: '/domains', label: 'domains.list' })).resolves.toMatchObject({ status: 302 });
    expect(received.map((request) => request.url)).toEqual(['/v2/domains', '/v2/domains', '/v2/domains']);
  });

  it('sends nothing for a call whose signal fired before it', async () => {
    const controller = new AbortController();
    controller.abort();
    const call = client().send({ method: 'POST', path: '/domains', label: 'domains.create', createsResource: true, signal: controller.signal });
    await expect(call).rejects.toMatchObject({ code: 'aborted', outcomeUnknown: false });
    expect(received).toEqual([]);
  });

  it('a call that creates something, aborted or timed out after sending → retryable, outcome unknown', async () => {
    reply = { status: 201, delayMs: 1500 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const aborted = client().send({ method: 'POST', path: '/domains', label: 'domains.create', createsResource: true, signal: controller.signal });
    await expect(aborted).rejects.toMatchObject({ name: 'SupplierUnavailableError', code: 'aborted', outcomeUnknown: true });
    const timedOut = client(300).send({ method: 'POST', path: '/domains', label: 'domains.create', createsResource: true });
    await expect(timedOut).rejects.toMatchObject({ name: 'SupplierUnavailableError', code: 'timeout', outcomeUnknown: true });
  });

  it('an unreachable supplier → unreachable, nothing sent', async () => {
    const unreachable = new JsonHttpClient({ supplier: 'Example', connectorId: 'example', baseUrl: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 1000 });
    await expect(unreachable.send({ method: 'POST', path: '/domains', label: 'domains.create', createsResource: true })).rejects.toMatchObject({ code: 'unreachable', outcomeUnknown: false });
  });
});

describe('unlessAborted', () => {
  it('stops the caller at once when its signal fires; the shared work goes on and its later failure is not left unhandled', async () => {
    let fail!: (error: Error) => void;
    const shared = new Promise<string>((_, reject) => (fail = reject));
    const controller = new AbortController();
    const waiting = unlessAborted(shared, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(SupplierUnavailableError);
    await expect(waiting).rejects.toMatchObject({ code: 'aborted', outcomeUnknown: false });
    fail(new Error('login refused'));
    await expect(shared).rejects.toThrow('login refused');
  });

  it('passes the shared result through when the signal does not fire', async () => {
    await expect(unlessAborted(Promise.resolve('token'), new AbortController().signal)).resolves.toBe('token');
  });
});
