import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SandboxAnswer, SandboxApi, type SandboxContact, type SandboxDomain, errorAnswer, routeOf } from './sandbox-api';
import { FaultQueue, type SandboxFault, parseFault } from './sandbox-faults';

export type { SandboxContact, SandboxDomain } from './sandbox-api';
export type { SandboxFault } from './sandbox-faults';

export interface RealtimeRegisterSandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default `sandbox-reseller`. */
  customer?: string;
  /** Default: random per start. */
  apiKey?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface RealtimeRegisterSandbox {
  /** API root including /v2: the connector's `baseUrl`. */
  url: string;
  /** Root of the control API (`/__sandbox/...`), for tests in another process. */
  controlUrl: string;
  customer: string;
  apiKey: string;
  faults: { inject(fault: SandboxFault): void; clear(): void; pending(): number };
  /** Every contact the sandbox holds, with how many domains have it as registrant. */
  contacts(): SandboxContact[];
  domains(): SandboxDomain[];
  /** API requests received, by route name, e.g. `domains.create`. */
  requests(): Record<string, number>;
  close(): Promise<void>;
}

const API_ROOT = '/v2';
const CONTROL_ROOT = '/__sandbox';
const MAX_BODY_BYTES = 1_000_000;

/**
 * A real HTTP(S) server on loopback that behaves like the part of Realtime Register's REST API v2 the connector
 * uses, with fault injection. A test double: it keeps everything in memory and logs nothing.
 */
export async function startRealtimeRegisterSandbox(options: RealtimeRegisterSandboxOptions = {}): Promise<RealtimeRegisterSandbox> {
  const customer = options.customer ?? 'sandbox-reseller';
  const apiKey = options.apiKey ?? randomBytes(16).toString('hex');
  const api = new SandboxApi({ customer, apiKey });
  const faults = new FaultQueue();
  const counts: Record<string, number> = {};
  const state = () => ({ contacts: api.contactList(), domains: api.domainList(), requests: { ...counts } });

  async function answerApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const rawBody = await readBody(req);
    const route = routeOf(req.method ?? 'GET', url.pathname.slice(API_ROOT.length));
    if (route === undefined) return write(res, errorAnswer(404, 'NotFound', 'Not found'));
    counts[route.name] = (counts[route.name] ?? 0) + 1;
    const fault = faults.take(route.name);
    if (fault?.kind === 'delay') await sleep(fault.delayMs ?? 0);
    if (fault?.kind === 'rate_limit') {
      return write(res, { ...errorAnswer(429, 'TooManyRequests', 'Too many requests'), headers: { 'retry-after': String(fault.retryAfterSeconds ?? 1) } });
    }
    if (fault?.kind === 'server_error') return write(res, errorAnswer(fault.status ?? 500, 'InternalServerError', 'Internal error'));
    const answer = api.handle(route, url.searchParams, rawBody, req.headers.authorization);
    // The request took effect; only the answer is lost, as when a connection drops on the way back.
    if (fault?.kind === 'drop_response') return void req.socket.destroy();
    write(res, answer);
  }

  async function answerControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname.slice(CONTROL_ROOT.length)}`;
    const body = (await readBody(req)).toString('utf8');
    try {
      if (route === 'POST /faults') faults.inject(parseFault(JSON.parse(body || '{}')));
      else if (route === 'DELETE /faults') faults.clear();
      else if (route === 'GET /state') return write(res, { status: 200, body: state() });
      else return write(res, { status: 404, body: { error: 'unknown control route' } });
    } catch (error) {
      return write(res, { status: 400, body: { error: (error as Error).message } });
    }
    write(res, { status: 204, body: undefined });
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const route = url.pathname.startsWith(`${CONTROL_ROOT}/`)
      ? answerControl(req, res, url)
      : url.pathname.startsWith(`${API_ROOT}/`)
        ? answerApi(req, res, url)
        : Promise.resolve(write(res, errorAnswer(404, 'NotFound', 'Not found')));
    route.catch(() => write(res, errorAnswer(500, 'InternalServerError', 'Internal error')));
  };

  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : http.createServer(onRequest);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: `${origin}${API_ROOT}`,
    controlUrl: `${origin}${CONTROL_ROOT}`,
    customer,
    apiKey,
    faults: { inject: (fault) => faults.inject(fault), clear: () => faults.clear(), pending: () => faults.pending() },
    contacts: () => api.contactList(),
    domains: () => api.domainList(),
    requests: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function write(res: http.ServerResponse, answer: SandboxAnswer): void {
  if (res.writableEnded || res.destroyed) return;
  const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(payload !== '' && { 'content-type': 'application/json' }),
    'content-length': Buffer.byteLength(payload),
    ...answer.headers,
  });
  res.end(payload);
}
