import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SandboxServerOptions, controlRoute, readBody, serveSandbox, writeAnswer } from '../sandbox-http';
import { SandboxApi, type SandboxContact, type SandboxDomain, errorAnswer, routeOf } from './sandbox-api';
import { FaultQueue } from '../sandbox-faults';
import { type SandboxFault, faultMatches, parseFault } from './sandbox-faults';

export type { SandboxContact, SandboxDomain } from './sandbox-api';
export type { SandboxFault } from './sandbox-faults';

export interface RealtimeRegisterSandboxOptions extends SandboxServerOptions {
  /** Default `sandbox-reseller`. */
  customer?: string;
  /** Default: random per start. */
  apiKey?: string;
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

/**
 * A real HTTP(S) server on loopback that behaves like the part of Realtime Register's REST API v2 the connector
 * uses, with fault injection. A test double: it keeps everything in memory and logs nothing.
 */
export async function startRealtimeRegisterSandbox(options: RealtimeRegisterSandboxOptions = {}): Promise<RealtimeRegisterSandbox> {
  const customer = options.customer ?? 'sandbox-reseller';
  const apiKey = options.apiKey ?? randomBytes(16).toString('hex');
  const api = new SandboxApi({ customer, apiKey });
  const faults = new FaultQueue(faultMatches);
  const counts: Record<string, number> = {};
  const state = () => ({ contacts: api.contactList(), domains: api.domainList(), requests: { ...counts } });

  async function answerApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const rawBody = await readBody(req);
    const route = routeOf(req.method ?? 'GET', url.pathname.slice(API_ROOT.length));
    if (route === undefined) return writeAnswer(res, errorAnswer(404, 'NotFound', 'Not found'));
    counts[route.name] = (counts[route.name] ?? 0) + 1;
    const fault = faults.take(route.name);
    if (fault?.kind === 'delay') await sleep(fault.delayMs ?? 0);
    if (fault?.kind === 'rate_limit') {
      return writeAnswer(res, { ...errorAnswer(429, 'TooManyRequests', 'Too many requests'), headers: { 'retry-after': String(fault.retryAfterSeconds ?? 1) } });
    }
    if (fault?.kind === 'server_error') return writeAnswer(res, errorAnswer(fault.status ?? 500, 'InternalServerError', 'Internal error'));
    const answer = api.handle(route, url.searchParams, rawBody, req.headers.authorization);
    // The request took effect; only the answer is lost, as when a connection drops on the way back.
    if (fault?.kind === 'drop_response') return void req.socket.destroy();
    writeAnswer(res, answer);
  }

  async function answerControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const route = controlRoute(req, url);
    const body = (await readBody(req)).toString('utf8');
    try {
      if (route === 'POST /faults') faults.inject(parseFault(JSON.parse(body || '{}')));
      else if (route === 'DELETE /faults') faults.clear();
      else if (route === 'GET /state') return writeAnswer(res, { status: 200, body: state() });
      else return writeAnswer(res, { status: 404, body: { error: 'unknown control route' } });
    } catch (error) {
      return writeAnswer(res, { status: 400, body: { error: (error as Error).message } });
    }
    writeAnswer(res, { status: 204, body: undefined });
  }

  const served = await serveSandbox(options, { apiRoot: API_ROOT, answerApi, answerControl, notFound: errorAnswer(404, 'NotFound', 'Not found'), internalError: errorAnswer(500, 'InternalServerError', 'Internal error') });

  return {
    url: served.url,
    controlUrl: served.controlUrl,
    customer,
    apiKey,
    faults: { inject: (fault) => faults.inject(parseFault(fault)), clear: () => faults.clear(), pending: () => faults.pending() },
    contacts: () => api.contactList(),
    domains: () => api.domainList(),
    requests: () => ({ ...counts }),
    close: served.close,
  };
}
