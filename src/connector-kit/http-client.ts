import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { abortedError } from './abort';
import { transportFailure } from './http';
import type { Logger } from './logger';

export interface HttpCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Relative to the base URL, without query. Can hold a personal value (a domain name): never logged, the label is. */
  path: string;
  /** Logged name of the call, e.g. `domains.create`. */
  label: string;
  query?: Record<string, string | number>;
  /** Exact JSON bytes to send: callers hash what they send. */
  body?: Buffer;
  /** The call creates something at the supplier: if it fails after sending, the outcome is unknown. */
  createsResource?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

/** Any HTTP answer, 2xx or not: what it means is the connector's to read. */
export interface HttpAnswer {
  status: number;
  /** The body's JSON, parsed once here; undefined when empty or not JSON (an HTML error page): classified by status alone. */
  body: unknown;
  retryAfter: string | undefined;
}

export interface JsonHttpClientOptions {
  /** The supplier as error messages name it, e.g. `Example Registry`. */
  supplier: string;
  /** The connector id that starts each log message, e.g. `exampleregistry`. */
  connectorId: string;
  baseUrl: string;
  timeoutMs: number;
  /** Sent with every call, e.g. an API key. */
  headers?: Record<string, string>;
  /** Fields to log of an answer: codes only, never what the body may echo of the request. */
  logFieldsOf?: (answer: HttpAnswer) => Record<string, unknown>;
}

/**
 * JSON over HTTPS to one supplier: keep-alive connections, a timeout per call, no redirect followed (it could
 * carry the body elsewhere), each call logged by its label and status, and every failure below HTTP turned
 * into a connector-kit error. A call made after its delivery was aborted sends nothing.
 */
export class JsonHttpClient {
  private readonly http: AxiosInstance;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(private readonly options: JsonHttpClientOptions) {
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      maxRedirects: 0,
      responseType: 'text',
      validateStatus: () => true,
      headers: { ...options.headers, 'content-type': 'application/json', accept: 'application/json' },
    });
  }

  async send(call: HttpCall, headers?: Record<string, string>): Promise<HttpAnswer> {
    if (call.signal?.aborted) throw abortedError(false);
    const { connectorId, supplier, logFieldsOf } = this.options;
    const started = Date.now();
    try {
      const response = await this.http.request<string>({ method: call.method, url: call.path, params: call.query, data: call.body, signal: call.signal, headers });
      const retryAfter = response.headers['retry-after'];
      const answer = { status: response.status, body: parseJson(response.data), retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
      call.log?.info(`${connectorId} call`, { call: call.label, httpStatus: answer.status, ...logFieldsOf?.(answer), durationMs: Date.now() - started });
      return answer;
    } catch (error) {
      const mayHaveLanded = call.createsResource === true;
      const failure = axios.isCancel(error)
        ? abortedError(mayHaveLanded)
        : transportFailure(axios.isAxiosError(error) ? error.code : undefined, supplier, mayHaveLanded);
      call.log?.warn(`${connectorId} call failed`, { call: call.label, code: failure.code, durationMs: Date.now() - started });
      throw failure;
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

export const isSuccess = ({ status }: { status: number }): boolean => status >= 200 && status < 300;

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
