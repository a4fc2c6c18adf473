import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SandboxAnswer, type SandboxServerOptions, controlRoute, readBody, serveSandbox, writeAnswer } from '../sandbox-http';
import { SANDBOX_CODES, SandboxApi, type SandboxCustomer, type SandboxDomain, errorAnswer } from './sandbox-api';
import { FaultQueue } from '../sandbox-faults';
import { type SandboxFault, faultMatches, parseFault } from './sandbox-faults';

export type { SandboxCustomer, SandboxDomain } from './sandbox-api';
export type { SandboxFault } from './sandbox-faults';

export interface OpenproviderSandboxOptions extends SandboxServerOptions {
  /** Default `sandbox-reseller`. */
  username?: string;
  /** Default: random per start. */
  password?: string;
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

/**
 * A real HTTP(S) server on loopback that behaves like the part of Openprovider's REST API the
 * connector uses, with fault injection. A test double: it keeps everything in memory and logs nothing.
 */
export async function startOpenproviderSandbox(options: OpenproviderSandboxOptions = {}): Promise<OpenproviderSandbox> {
  const username = options.username ?? 'sandbox-reseller';
  const password = options.password ?? randomBytes(12).toString('hex');
  const api = new SandboxApi({ username, password });
  const faults = new FaultQueue(faultMatches);
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
      writeAnswer(res, answer);
    };
    const bodyText = (await readBody(req)).toString('utf8');
    if (latencyMs > 0) await sleep(latencyMs);
    const fault = faults.take({ method, path });
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
    const route = controlRoute(req, url);
    const body = parseJson((await readBody(req)).toString('utf8'));
    try {
      if (route === 'POST /faults') faults.inject(parseFault(body));
      else if (route === 'DELETE /faults') faults.clear();
      else if (route === 'POST /latency') setLatency((body as { ms?: unknown } | undefined)?.ms as number);
      else if (route === 'POST /tokens/expire') api.expireTokens();
      else if (route === 'GET /state') return writeAnswer(res, { status: 200, body: state() });
      else return writeAnswer(res, { status: 404, body: { error: 'unknown control route' } });
    } catch (error) {
      return writeAnswer(res, { status: 400, body: { error: (error as Error).message } });
    }
    writeAnswer(res, { status: 204, body: undefined });
  }

  const served = await serveSandbox(options, { apiRoot: API_ROOT, answerApi, answerControl, notFound: errorAnswer(404, SANDBOX_CODES.invalidRequest, 'Not found'), internalError: errorAnswer(500, SANDBOX_CODES.invalidRequest, 'Internal error') });

  return {
    url: served.url,
    controlUrl: served.controlUrl,
    username,
    password,
    faults: { inject: (fault) => faults.inject(parseFault(fault)), clear: () => faults.clear(), pending: () => faults.pending() },
    setLatency,
    expireTokens: () => api.expireTokens(),
    domains: () => api.domains(),
    customers: () => api.customers(),
    requests: requestCounts,
    received: () => received.map((request) => ({ ...request })),
    close: served.close,
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
