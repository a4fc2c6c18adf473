import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import {
  type ConnectorError,
  type Logger,
  SupplierContractError,
  SupplierRejectedError,
  SupplierUnavailableError,
  transportFailure,
} from '../../src/connector-kit';
import { type OpenproviderReply, failureFromAnswer, parseReply } from './error-mapping';

export interface OpenproviderConfig {
  /** e.g. https://api.openprovider.eu/v1beta */
  baseUrl: string;
  username: string;
  password: string;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface ApiCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Relative to baseUrl, without query, e.g. `/customers`. Not logged: the label is. */
  path: string;
  /** Logged name of the call, e.g. `customers.create`. */
  label: string;
  query?: Record<string, string | number>;
  /** Exact JSON bytes to send: callers hash what they send. */
  body?: Buffer;
  /** The call creates something at Openprovider: if it fails after sending, the outcome is unknown. */
  createsResource?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

/**
 * Openprovider REST transport: bearer-token login shared by concurrent calls, one re-login on 401,
 * and every failure turned into a connector-kit error.
 */
export class OpenproviderClient {
  private readonly http: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private token: string | undefined;
  private loginInFlight: Promise<string> | undefined;

  constructor(private readonly config: OpenproviderConfig) {
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
      headers: { 'content-type': 'application/json', accept: 'application/json' },
    });
  }

  /** Logs in afresh and caches the token; concurrent callers share one login. */
  login(signal?: AbortSignal): Promise<string> {
    this.loginInFlight ??= this.performLogin(signal).finally(() => {
      this.loginInFlight = undefined;
    });
    return this.loginInFlight;
  }

  /**
   * The cached token, or the one a login gets. The login is shared and starts without the caller's signal
   * (it is bounded by the timeout), so one caller giving up does not fail the others waiting on it; the
   * caller itself stops waiting as soon as its signal aborts.
   */
  async session(signal?: AbortSignal): Promise<string> {
    if (this.token !== undefined) return this.token;
    if (signal?.aborted) throw abortedError(false);
    return unlessAborted(this.login(), signal);
  }

  async call<Data>(call: ApiCall): Promise<OpenproviderReply<Data>> {
    return this.replyOrThrow<Data>(await this.authorised(call), call.createsResource === true);
  }

  /** DELETE of `call.path`: `absent` when Openprovider has no such object (404), which is what was asked as much as `deleted`. */
  async remove(call: Omit<ApiCall, 'method'>): Promise<'deleted' | 'absent'> {
    const response = await this.authorised({ ...call, method: 'DELETE' });
    if (response.status === 404) return 'absent';
    this.replyOrThrow(response, false);
    return 'deleted';
  }

  /** Sends the call with the session's token, and once more with a fresh one on a 401. */
  private async authorised(call: ApiCall): Promise<AxiosResponse<string>> {
    // Checked first: a call made after its delivery was aborted must not send anything.
    if (call.signal?.aborted) throw abortedError(false);
    const token = await this.session(call.signal);
    let response = await this.send(call, token);
    if (response.status === 401) {
      response = await this.send(call, await unlessAborted(this.renewToken(token), call.signal));
      if (response.status === 401) throw new SupplierRejectedError('auth_failed', 'Openprovider refused the credentials after a fresh login');
    }
    return response;
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async performLogin(signal?: AbortSignal): Promise<string> {
    const credentials = Buffer.from(JSON.stringify({ username: this.config.username, password: this.config.password }));
    const response = await this.send({ method: 'POST', path: '/auth/login', label: 'auth.login', body: credentials, signal });
    const reply = this.replyOrThrow<{ token?: unknown }>(response, false);
    const token = reply.data?.token;
    if (typeof token !== 'string' || token === '') {
      throw new SupplierContractError('op_missing_token', 'Openprovider login answered without a token');
    }
    this.token = token;
    return token;
  }

  /** Another call may already have replaced the rejected token: reuse that one instead of logging in again. */
  private renewToken(rejected: string): Promise<string> {
    if (this.token !== undefined && this.token !== rejected) return Promise.resolve(this.token);
    this.token = undefined;
    return this.login();
  }

  private async send(call: ApiCall, token?: string): Promise<AxiosResponse<string>> {
    const started = Date.now();
    try {
      const response = await this.http.request<string>({
        method: call.method,
        url: call.path,
        params: call.query,
        data: call.body,
        signal: call.signal,
        headers: token ? { authorization: `Bearer ${token}` } : undefined,
      });
      call.log?.info('openprovider call', {
        call: call.label,
        httpStatus: response.status,
        opCode: parseReply(response.data)?.code,
        durationMs: Date.now() - started,
      });
      return response;
    } catch (error) {
      const failure = this.transportError(error, call.createsResource === true);
      call.log?.warn('openprovider call failed', { call: call.label, code: failure.code, durationMs: Date.now() - started });
      throw failure;
    }
  }

  private transportError(error: unknown, mayHaveLanded: boolean): ConnectorError {
    if (axios.isCancel(error)) return abortedError(mayHaveLanded);
    const code = axios.isAxiosError(error) ? error.code : undefined;
    return transportFailure(code, 'Openprovider', mayHaveLanded);
  }

  private replyOrThrow<Data>(response: AxiosResponse<string>, mayHaveLanded: boolean): OpenproviderReply<Data> {
    const reply = parseReply(response.data);
    if (response.status >= 200 && response.status < 300 && reply?.code === 0) return reply as OpenproviderReply<Data>;
    const retryAfter = response.headers['retry-after'];
    throw failureFromAnswer({
      status: response.status,
      reply,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      mayHaveLanded,
    });
  }
}

function abortedError(mayHaveLanded: boolean): SupplierUnavailableError {
  return new SupplierUnavailableError('aborted', 'the Openprovider call was aborted', mayHaveLanded);
}

/** Waits for `shared` (a login other calls may wait on too) unless `signal` aborts first. */
function unlessAborted<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return shared;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(false));
    // Settles this promise either way, so a login that fails after the caller left is never unhandled.
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
