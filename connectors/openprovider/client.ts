import {
  type HttpAnswer,
  type HttpCall,
  JsonHttpClient,
  SupplierContractError,
  SupplierRejectedError,
  abortedError,
  isSuccess,
  unlessAborted,
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

/**
 * Openprovider REST transport: bearer-token login shared by concurrent calls, one re-login on 401,
 * and every failure turned into a connector-kit error.
 */
export class OpenproviderClient {
  private readonly http: JsonHttpClient;
  private token: string | undefined;
  private loginInFlight: Promise<string> | undefined;

  constructor(private readonly config: OpenproviderConfig) {
    this.http = new JsonHttpClient({
      supplier: 'Openprovider',
      connectorId: 'openprovider',
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logFieldsOf: (answer) => ({ opCode: parseReply(answer.body)?.code }),
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

  async call<Data>(call: HttpCall): Promise<OpenproviderReply<Data>> {
    return this.replyOrThrow<Data>(await this.authorised(call), call.createsResource === true);
  }

  /** DELETE of `call.path`: `absent` when Openprovider has no such object (404), which is what was asked as much as `deleted`. */
  async remove(call: Omit<HttpCall, 'method'>): Promise<'deleted' | 'absent'> {
    const answer = await this.authorised({ ...call, method: 'DELETE' });
    if (answer.status === 404) return 'absent';
    this.replyOrThrow(answer, false);
    return 'deleted';
  }

  /** Sends the call with the session's token, and once more with a fresh one on a 401. */
  private async authorised(call: HttpCall): Promise<HttpAnswer> {
    const token = await this.session(call.signal);
    let answer = await this.send(call, token);
    if (answer.status === 401) {
      answer = await this.send(call, await unlessAborted(this.renewToken(token), call.signal));
      if (answer.status === 401) throw new SupplierRejectedError('auth_failed', 'Openprovider refused the credentials after a fresh login');
    }
    return answer;
  }

  close(): void {
    this.http.close();
  }

  private async performLogin(signal?: AbortSignal): Promise<string> {
    const credentials = Buffer.from(JSON.stringify({ username: this.config.username, password: this.config.password }));
    const answer = await this.send({ method: 'POST', path: '/auth/login', label: 'auth.login', body: credentials, signal });
    const reply = this.replyOrThrow<{ token?: unknown }>(answer, false);
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

  private send(call: HttpCall, token?: string): Promise<HttpAnswer> {
    return this.http.send(call, token ? { authorization: `Bearer ${token}` } : undefined);
  }

  private replyOrThrow<Data>(answer: HttpAnswer, mayHaveLanded: boolean): OpenproviderReply<Data> {
    const reply = parseReply(answer.body);
    if (isSuccess(answer) && reply?.code === 0) return reply as OpenproviderReply<Data>;
    throw failureFromAnswer({ status: answer.status, reply, retryAfter: answer.retryAfter, mayHaveLanded });
  }
}
