import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SANDBOX_CODES, type SandboxAnswer, SandboxApi, type SandboxCustomer, type SandboxDomain, errorAnswer } from './sandbox-api';
import { FaultQueue, type SandboxFault, parseFault } from './sandbox-faults';

export type { SandboxCustomer, SandboxDomain } from './sandbox-api';
export type { SandboxFault } from './sandbox-faults';

export interface OpenproviderSandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default `sandbox-reseller`. */
  username?: string;
  /** Default: random per start. */
  password?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Delay before every API answer. */
  latencyMs?: number;
}

/** One API request as the sandbox received it. */
export interface SandboxRequest {
  /** `METHOD /path` relative to /v1beta, as `requests()` counts them. */
  route: string;
  /** When it arrived, in epoch ms. */
  at: number;
  /** The HTTP status answered; unset while it is handled, and for an answer a fault dropped. */
  status?: number;
}

export interface OpenproviderSandbox {
  /** API root including /v1beta: the connector's `baseUrl`. */
  url: string;
  /** Root of the control API (`/__sandbox/...`), for tests in another process. */
  controlUrl: string;
  username: string;
  password: string;
  faults: { inject(fault: SandboxFault): void; clear(): void; pending(): number };
  setLatency(ms: number): void;
  /** Every token handed out so far stops working: the next call gets 401. */
  expireTokens(): void;
  domains(): SandboxDomain[];
  /** Every customer (owner handle) the sandbox holds, with the ids of the domains it owns. */
  customers(): SandboxCustomer[];
  /** API requests received, by `METHOD /path` relative to /v1beta, e.g. `POST /domains`. */
  requests(): Record<string, number>;
  /** Every API request received, oldest first, with when it arrived and what it was answered. */
  received(): SandboxRequest[];
  close(): Promise<void>;
}

const API_ROOT = '/v1beta';
const CONTROL_ROOT = '/__sandbox';
const MAX_BODY_BYTES = 1_000_000;

/**
 * A real HTTP(S) server on loopback that behaves like the part of Openprovider's REST API the
 * connector uses, with fault injection. A test double: it keeps everything in memory and logs nothing.
 */
export async function startOpenproviderSandbox(options: OpenproviderSandboxOptions = {}): Promise<OpenproviderSandbox> {
  const username = options.username ?? 'sandbox-reseller';
  const password = options.password ?? randomBytes(12).toString('hex');
  const api = new SandboxApi({ username, password });
  const faults = new FaultQueue();
  const received: SandboxRequest[] = [];
  let latencyMs = options.latencyMs ?? 0;

  const setLatency = (ms: number): void => {
    if (!(Number.isInteger(ms) && ms >= 0)) throw new Error('latency must be a non-negative integer of milliseconds');
    latencyMs = ms;
  };
  const requestCounts = () => {
    const counts: Record<string, number> = {};
    for (const { route } of received) counts[route] = (counts[route] ?? 0) + 1;
    return counts;
  };
  const state = () => ({ domains: api.domains(), customers: api.customers(), requests: requestCounts() });

  async function answerApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(API_ROOT.length) || '/';
    const request: SandboxRequest = { route: `${method} ${path}`, at: Date.now() };
    received.push(request);
    const answerWith = (answer: SandboxAnswer) => {
      request.status = answer.status;
      write(res, answer);
    };
    const bodyText = await readBody(req);
    if (latencyMs > 0) await sleep(latencyMs);
    const fault = faults.take(method, path);
    if (fault?.kind === 'delay') await sleep(fault.delayMs ?? 0);
    if (fault?.kind === 'rate_limit') {
      const answer = errorAnswer(429, SANDBOX_CODES.invalidRequest, 'Too many requests');
      return answerWith({ ...answer, headers: { 'retry-after': String(fault.retryAfterSeconds ?? 1) } });
    }
    if (fault?.kind === 'server_error') {
      return answerWith(errorAnswer(fault.status ?? 500, SANDBOX_CODES.invalidRequest, 'Internal error'));
    }
    const body = parseJson(bodyText);
    const answer =
      body === INVALID_JSON
        ? errorAnswer(400, SANDBOX_CODES.invalidRequest, 'Request body is not JSON')
        : api.handle(method, path, url.searchParams, bodyText, body, req.headers.authorization);
    // The request took effect; only the answer is lost, as when a connection drops on the way back.
    if (fault?.kind === 'drop_response') return void req.socket.destroy();
    answerWith(answer);
  }

  async function answerControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname.slice(CONTROL_ROOT.length)}`;
    const body = parseJson(await readBody(req));
    try {
      if (route === 'POST /faults') faults.inject(parseFault(body));
      else if (route === 'DELETE /faults') faults.clear();
      else if (route === 'POST /latency') setLatency((body as { ms?: unknown } | undefined)?.ms as number);
      else if (route === 'POST /tokens/expire') api.expireTokens();
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
        : Promise.resolve(write(res, errorAnswer(404, SANDBOX_CODES.invalidRequest, 'Not found')));
    route.catch(() => write(res, errorAnswer(500, SANDBOX_CODES.invalidRequest, 'Internal error')));
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
    username,
    password,
    faults: { inject: (fault) => faults.inject(fault), clear: () => faults.clear(), pending: () => faults.pending() },
    setLatency,
    expireTokens: () => api.expireTokens(),
    domains: () => api.domains(),
    customers: () => api.customers(),
    requests: requestCounts,
    received: () => received.map((request) => ({ ...request })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const INVALID_JSON = Symbol('invalid JSON');

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
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
