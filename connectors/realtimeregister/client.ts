import { type HttpAnswer, type HttpCall, JsonHttpClient, isSuccess } from '../../src/connector-kit';
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

/** Realtime Register REST transport: `Authorization: ApiKey`, and every failure turned into a connector-kit error. */
export class RealtimeRegisterClient {
  private readonly http: JsonHttpClient;
  readonly customer: string;

  constructor(config: RealtimeRegisterConfig) {
    this.customer = config.customer;
    this.http = new JsonHttpClient({
      supplier: 'Realtime Register',
      connectorId: 'realtimeregister',
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      headers: { authorization: `ApiKey ${config.apiKey}` },
      logFieldsOf: (answer) => ({ errorType: isSuccess(answer) ? undefined : parseFailure(answer.body).type }),
    });
  }

  /** The 2xx answer's JSON body (undefined when empty); anything else throws its connector-kit error. */
  async call(call: HttpCall): Promise<unknown> {
    const answer = await this.http.send(call);
    if (isSuccess(answer)) return answer.body;
    throw this.failureOf(answer, call);
  }

  /** A POST that creates an object: `exists` when Realtime Register already holds one of that name (ObjectExists). */
  async create(call: HttpCall): Promise<'created' | 'exists'> {
    const answer = await this.http.send(call);
    if (isSuccess(answer)) return 'created';
    if (answer.status === 400 && parseFailure(answer.body).type === 'ObjectExists') return 'exists';
    throw this.failureOf(answer, call);
  }

  /** A GET of one object: null when Realtime Register has none of that name (404). */
  async find(call: Omit<HttpCall, 'method'>): Promise<unknown> {
    const answer = await this.http.send({ ...call, method: 'GET' });
    if (answer.status === 404) return null;
    if (isSuccess(answer)) return answer.body;
    throw this.failureOf(answer, call);
  }

  /** DELETE of `call.path`: `absent` when there is no such object (404), which is what was asked as much as `deleted`. */
  async remove(call: Omit<HttpCall, 'method'>): Promise<'deleted' | 'absent'> {
    const answer = await this.http.send({ ...call, method: 'DELETE' });
    if (answer.status === 404) return 'absent';
    if (isSuccess(answer)) return 'deleted';
    throw this.failureOf(answer, call);
  }

  close(): void {
    this.http.close();
  }

  private failureOf(answer: HttpAnswer, call: Omit<HttpCall, 'method'>) {
    return failureFromAnswer({
      status: answer.status,
      failure: parseFailure(answer.body),
      retryAfter: answer.retryAfter,
      mayHaveLanded: call.createsResource === true,
    });
  }
}
