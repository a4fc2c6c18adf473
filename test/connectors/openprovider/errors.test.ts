import { HttpResponse, delay } from 'msw';
import {
  ConnectorError,
  SupplierContractError,
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierUnavailableError,
} from '../../../src/connector-kit';
import { openprovider } from '../../../connectors/openprovider/connector';
import { BASE_URL, ok, opError, route, useMockOpenprovider } from './support/mock-api';
import { CANARY, canariesIn, registerPayload, recordingContext } from '../support/payloads';

const server = useMockOpenprovider();
const connector = (timeoutMs?: number) =>
  openprovider.create({ baseUrl: BASE_URL, username: 'reseller-test', password: 'secret-test', timeoutMs });

/**
 * Checks, in the test that caused it, that neither the error nor any log line of the attempt carries a
 * personal value: each test stands on its own, whatever ran before it.
 */
function expectNoPersonalData(error: unknown, logLines: string[]): void {
  expect(error).toBeInstanceOf(ConnectorError);
  const { code, message } = error as ConnectorError;
  expect(canariesIn(`${code} ${message} ${JSON.stringify(error)}`)).toEqual([]);
  expect(canariesIn(logLines.join('\n'))).toEqual([]);
}

async function failureOf(attempt: Promise<unknown>, logLines: string[]): Promise<ConnectorError> {
  const error = await attempt.then(
    () => new Error('the call succeeded where it should have failed'),
    (failure: unknown) => failure,
  );
  expectNoPersonalData(error, logLines);
  return error as ConnectorError;
}

function deliveryFailure(timeoutMs?: number, signal?: AbortSignal): Promise<ConnectorError> {
  const ctx = recordingContext({ signal });
  return failureOf(connector(timeoutMs).deliver('domain.register', registerPayload(), ctx), ctx.lines);
}

// Openprovider's desc can repeat what was submitted; the connector must not pass it on.
const echoingDesc = `Invalid value ${CANARY.firstName} ${CANARY.email} ${CANARY.street}`;

describe('openprovider error mapping (each error and its log lines checked for personal data)', () => {
  it('429 → rate limited, honouring Retry-After in seconds', async () => {
    server.use(route('post', '/customers', () => opError(429, 10, echoingDesc, { 'retry-after': '7' })));
    const error = await deliveryFailure();
    expect(error).toBeInstanceOf(SupplierRateLimitedError);
    expect((error as SupplierRateLimitedError).retryAfterMs).toBe(7000);
  });

  it('429 → rate limited, honouring Retry-After as an HTTP date', async () => {
    const inThirtySeconds = new Date(Date.now() + 30_000).toUTCString();
    server.use(route('post', '/customers', () => opError(429, 10, '', { 'retry-after': inThirtySeconds })));
    const error = (await deliveryFailure()) as SupplierRateLimitedError;
    expect(error.retryAfterMs).toBeGreaterThan(25_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('429 without Retry-After → rate limited for a default second', async () => {
    server.use(route('post', '/customers', () => opError(429, 10)));
    expect(await deliveryFailure()).toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
  });

  it('503 → unavailable, known not to have landed', async () => {
    server.use(route('post', '/domains', () => opError(503, 1, echoingDesc)));
    const error = await deliveryFailure();
    expect(error).toBeInstanceOf(SupplierUnavailableError);
    expect(error).toMatchObject({ code: 'http_503', outcomeUnknown: false, retryable: true });
  });

  it('500 or a gateway timeout on a POST → unavailable with unknown outcome', async () => {
    server.use(route('post', '/domains', () => new HttpResponse('<html>Gateway Time-out</html>', { status: 504 })));
    expect(await deliveryFailure()).toMatchObject({ code: 'http_504', outcomeUnknown: true });
    server.use(route('post', '/domains', () => opError(500, 1)));
    expect(await deliveryFailure()).toMatchObject({ code: 'http_500', outcomeUnknown: true });
  });

  it('a 5xx on the lookup is retryable and changed nothing', async () => {
    server.use(route('get', '/domains', () => opError(502, 1)));
    const ctx = recordingContext();
    const error = await failureOf(connector().lookup('domain.register', registerPayload(), ctx), ctx.lines);
    expect(error).toMatchObject({ name: 'SupplierUnavailableError', code: 'http_502', outcomeUnknown: false });
  });

  it.each([400, 500])('code 346 "Domain exists" (HTTP %i) → rejected as domain_taken', async (status) => {
    server.use(route('post', '/domains', () => opError(status, 346, 'Domain exists')));
    const error = await deliveryFailure();
    expect(error).toBeInstanceOf(SupplierRejectedError);
    expect(error.code).toBe('domain_taken');
  });

  it.each([10, 399])('an invalid contact (code %i) → rejected with the code only', async (code) => {
    server.use(route('post', '/customers', () => opError(400, code, echoingDesc)));
    const error = await deliveryFailure();
    expect(error).toBeInstanceOf(SupplierRejectedError);
    expect(error.code).toBe(`op_${code}`);
  });

  it('a complaint about an unknown field → contract error', async () => {
    server.use(route('post', '/customers', () => opError(400, 10, 'unknown field "first_nam" in v1beta.CreateCustomerRequest')));
    const error = await deliveryFailure();
    expect(error).toBeInstanceOf(SupplierContractError);
    expect(error.code).toBe('op_unknown_field');
  });

  it('success without data.handle or data.id → contract error', async () => {
    server.use(route('post', '/customers', () => ok({})));
    expect(await deliveryFailure()).toMatchObject({ name: 'SupplierContractError', code: 'op_missing_handle' });
    server.use(route('post', '/customers', () => ok({ handle: 'JJ000001-NL' })), route('post', '/domains', () => ok({ status: 'ACT' })));
    expect(await deliveryFailure()).toMatchObject({ name: 'SupplierContractError', code: 'op_missing_domain_id' });
  });

  it('a 2xx that is not Openprovider JSON → contract error', async () => {
    server.use(route('post', '/customers', () => new HttpResponse('<html>captive portal</html>', { status: 200 })));
    expect(await deliveryFailure()).toMatchObject({ name: 'SupplierContractError', code: 'op_unreadable_reply' });
  });

  it('a connection lost after the POST was sent → unavailable with unknown outcome', async () => {
    server.use(route('post', '/domains', () => HttpResponse.error()));
    const error = await deliveryFailure();
    expect(error).toBeInstanceOf(SupplierUnavailableError);
    expect(error).toMatchObject({ outcomeUnknown: true, retryable: true });
  });

  it('a connection lost during login leaves no unknown outcome: login creates nothing', async () => {
    server.use(route('post', '/auth/login', () => HttpResponse.error()));
    expect(await deliveryFailure()).toMatchObject({ name: 'SupplierUnavailableError', outcomeUnknown: false });
  });

  it('no answer within timeoutMs on a POST → timeout with unknown outcome', async () => {
    server.use(route('post', '/domains', async () => {
      await delay(400);
      return ok({ id: 1 });
    }));
    expect(await deliveryFailure(100)).toMatchObject({ name: 'SupplierUnavailableError', code: 'timeout', outcomeUnknown: true });
  });

  it('honours the abort signal', async () => {
    const controller = new AbortController();
    server.use(route('post', '/domains', async () => {
      controller.abort();
      await delay(200);
      return ok({ id: 1 });
    }));
    expect(await deliveryFailure(undefined, controller.signal)).toMatchObject({ code: 'aborted', outcomeUnknown: true });
  });
});
