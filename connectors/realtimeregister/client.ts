import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { type Logger, SupplierUnavailableError, transportFailure } from '../../src/connector-kit';
import { failureFromAnswer, parseFailure } from './error-mapping';

export interface RealtimeRegisterConfig {
  /** e.g. https://api.yoursrs.com/v2 */
  baseUrl: string;
  /** Our customer handle at Realtime Register: contacts live under it, domains are registered for it. */
  customer: string;
  apiKey: string;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface ApiCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Relative to baseUrl, e.g. `/domains/example.nl`. Can hold a domain name: never logged, the label is. */
  path: string;
  /** Logged name of the call, e.g. `domains.create`. */
  label: string;
  query?: Record<string, string | number>;
  /** Exact JSON bytes to send: callers hash what they send. */
  body?: Buffer;
  /** The call creates something at Realtime Register: if it fails after sending, the outcome is unknown. */
  createsResource?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

interface Answer {
  status: number;
  body: unknown;
  retryAfter: string | undefined;
}

/** Realtime Register REST transport: `Authorization: ApiKey`, and every failure turned into a connector-kit error. */
export class RealtimeRegisterClient {
  private readonly http: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };
  readonly customer: string;

  constructor(config: RealtimeRegisterConfig) {
    this.customer = config.customer;
    this.agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    this.http = axios.create({
      baseURL: config.baseUrl.replace(/\/+$/, ''),
      timeout: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      // A redirect could carry the body elsewhere: treat 3xx as an answer instead of following it.
      maxRedirects: 0,
      responseType: 'text',
      validateStatus: () => true,
      headers: { authorization: `ApiKey ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
    });
  }

  /** The 2xx answer's JSON body (undefined when empty); anything else throws its connector-kit error. */
  async call(call: ApiCall): Promise<unknown> {
    const answer = await this.send(call);
    if (isSuccess(answer)) return answer.body;
    throw this.failureOf(answer, call);
  }

  /** A POST that creates an object: `exists` when Realtime Register already holds one of that name (ObjectExists). */
  async create(call: ApiCall): Promise<'created' | 'exists'> {
    const answer = await this.send(call);
    if (isSuccess(answer)) return 'created';
    if (answer.status === 400 && parseFailure(answer.body).type === 'ObjectExists') return 'exists';
    throw this.failureOf(answer, call);
  }

  /** A GET of one object: null when Realtime Register has none of that name (404). */
  async find(call: Omit<ApiCall, 'method'>): Promise<unknown> {
    const answer = await this.send({ ...call, method: 'GET' });
    if (answer.status === 404) return null;
    if (isSuccess(answer)) return answer.body;
    throw this.failureOf(answer, call);
  }

  /** DELETE of `call.path`: `absent` when there is no such object (404), which is what was asked as much as `deleted`. */
  async remove(call: Omit<ApiCall, 'method'>): Promise<'deleted' | 'absent'> {
    const answer = await this.send({ ...call, method: 'DELETE' });
    if (answer.status === 404) return 'absent';
    if (isSuccess(answer)) return 'deleted';
    throw this.failureOf(answer, call);
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async send(call: ApiCall): Promise<Answer> {
    // Checked first: a call made after its delivery was aborted must not send anything.
    if (call.signal?.aborted) throw abortedError(false);
    const started = Date.now();
    try {
      const response = await this.http.request<string>({ method: call.method, url: call.path, params: call.query, data: call.body, signal: call.signal });
      const body = parseJson(response.data);
      call.log?.info('realtimeregister call', {
        call: call.label,
        httpStatus: response.status,
        errorType: isSuccess({ status: response.status }) ? undefined : parseFailure(body).type,
        durationMs: Date.now() - started,
      });
      const retryAfter = response.headers['retry-after'];
      return { status: response.status, body, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
    } catch (error) {
      const mayHaveLanded = call.createsResource === true;
      const failure = axios.isCancel(error)
        ? abortedError(mayHaveLanded)
        : transportFailure(axios.isAxiosError(error) ? error.code : undefined, 'Realtime Register', mayHaveLanded);
      call.log?.warn('realtimeregister call failed', { call: call.label, code: failure.code, durationMs: Date.now() - started });
      throw failure;
    }
  }

  private failureOf(answer: Answer, call: Omit<ApiCall, 'method'>) {
    return failureFromAnswer({
      status: answer.status,
      failure: parseFailure(answer.body),
      retryAfter: answer.retryAfter,
      mayHaveLanded: call.createsResource === true,
    });
  }
}

const isSuccess = ({ status }: { status: number }): boolean => status >= 200 && status < 300;

function abortedError(mayHaveLanded: boolean): SupplierUnavailableError {
  return new SupplierUnavailableError('aborted', 'the Realtime Register call was aborted', mayHaveLanded);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON (an HTML error page): classified by the HTTP status alone
  }
}
