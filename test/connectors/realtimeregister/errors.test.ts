import { HttpResponse } from 'msw';
import {
  ConnectorError,
  SupplierContractError,
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierUnavailableError,
} from '../../../src/connector-kit';
import { codeOfType } from '../../../connectors/realtimeregister/error-mapping';
import { connector, route, rtrError, useMockRealtimeRegister } from './support/mock-api';
import { CANARY, canariesIn, registerPayload, recordingContext } from '../support/payloads';

const server = useMockRealtimeRegister();

/** Realtime Register's text and violation values repeat what was sent: here, the canary values. */
const ECHOED = {
  message: `Contact ${CANARY.firstName} ${CANARY.lastName} at ${CANARY.email} refused`,
  violations: [{ field: 'voice', message: `${CANARY.phone} is not valid`, value: CANARY.phone }],
  identifier: CANARY.email,
};

/** The error the delivery fails with when the domain request gets `answer`; it must carry no personal value. */
async function failureFor(answer: () => Response, at: 'contact' | 'domain' = 'domain'): Promise<ConnectorError> {
  server.use(at === 'domain' ? route('post', '/domains/:domain', answer) : route('post', '/customers/:customer/contacts/:handle', answer));
  const ctx = recordingContext();
  const error = await connector().deliver('domain.register', registerPayload(), ctx).then(
    () => new Error('the delivery succeeded where it should have failed'),
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  const { code, message } = error as ConnectorError;
  expect(canariesIn(`${code} ${message} ${JSON.stringify(error)} ${ctx.lines.join('\n')}`)).toEqual([]);
  return error as ConnectorError;
}

describe('Realtime Register errors → connector-kit errors', () => {
  it.each([
    ['ObjectExists on the domain: taken', 400, 'ObjectExists', SupplierRejectedError, 'domain_taken'],
    ['a premium domain needing billables acknowledged', 400, 'BillableAcknowledgmentNeededException', SupplierContractError, 'billable_acknowledgment_needed'],
    ['a field the API does not know', 400, 'UnrecognizedPropertyException', SupplierContractError, 'unrecognized_property'],
    ['constraint violations', 400, 'ConstraintViolationException', SupplierRejectedError, 'constraint_violation'],
    ['a validation error', 400, 'ValidationError', SupplierRejectedError, 'validation_error'],
    ['a contact that does not exist', 404, 'ObjectDoesNotExist', SupplierRejectedError, 'object_does_not_exist'],
    ['insufficient credit', 400, 'InsufficientCreditException', SupplierRejectedError, 'insufficient_credit'],
    ['no contract for the TLD', 400, 'NoContractException', SupplierRejectedError, 'no_contract'],
    ['a status that prohibits it', 400, 'ObjectStatusProhibitsOperation', SupplierRejectedError, 'object_status_prohibits_operation'],
    ['the registry unavailable', 400, 'ProviderUnavailable', SupplierUnavailableError, 'provider_unavailable'],
    ['the registry connection failed', 400, 'ProviderConnectionError', SupplierUnavailableError, 'provider_connection_error'],
    ["RTR's backend failed", 500, 'InternalSRSError', SupplierUnavailableError, 'internal_srs_error'],
  ])('%s (HTTP %i %s)', async (_name, status, type, errorClass, code) => {
    const error = await failureFor(() => rtrError(status, type, ECHOED));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.code).toBe(code);
  });

  it('names the fields in violation, never their values or the message', async () => {
    const error = await failureFor(() => rtrError(400, 'ConstraintViolationException', ECHOED), 'contact');
    expect(error.message).toContain('voice');
    expect(error.message).toContain('ConstraintViolationException');
  });

  it('429 → SupplierRateLimitedError with Retry-After in ms, default 1000', async () => {
    expect(await failureFor(() => rtrError(429, 'TooManyRequests', {}, { 'retry-after': '7' }))).toMatchObject({ code: 'rate_limited', retryAfterMs: 7000 });
    const withoutHeader = await failureFor(() => rtrError(429, 'TooManyRequests'));
    expect(withoutHeader).toBeInstanceOf(SupplierRateLimitedError);
    expect(withoutHeader).toMatchObject({ retryAfterMs: 1000 });
  });

  it('401 and 403 → SupplierRejectedError: the API key, or its right to act for the customer', async () => {
    expect(await failureFor(() => rtrError(401, 'AuthenticationError'))).toMatchObject({ code: 'auth_failed', retryable: false });
    expect(await failureFor(() => rtrError(403, 'AuthorizationError'))).toMatchObject({ code: 'not_authorized', retryable: false });
  });

  it('5xx → SupplierUnavailableError; the outcome of a POST is unknown, except on 503', async () => {
    const error500 = await failureFor(() => new HttpResponse('<html>oops</html>', { status: 500 }));
    expect(error500).toBeInstanceOf(SupplierUnavailableError);
    expect(error500).toMatchObject({ code: 'http_500', outcomeUnknown: true });
    expect(await failureFor(() => new HttpResponse(null, { status: 503 }), 'contact')).toMatchObject({ code: 'http_503', outcomeUnknown: false });
  });

  it('an answer without an error type → SupplierContractError with the HTTP status (a redirect is never followed)', async () => {
    const error = await failureFor(() => new HttpResponse(null, { status: 302, headers: { location: 'https://elsewhere.test/' } }));
    expect(error).toBeInstanceOf(SupplierContractError);
    expect(error.code).toBe('http_302');
  });

  it('check() with a refused API key fails for good', async () => {
    server.use(route('get', '/customers/:customer/contacts', () => rtrError(401, 'AuthenticationError')));
    const error = await connector().check().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(SupplierRejectedError);
    expect(error).toMatchObject({ code: 'auth_failed', retryable: false });
  });

  it('makes snake_case codes of RTR types', () => {
    expect(codeOfType('ConstraintViolationException')).toBe('constraint_violation');
    expect(codeOfType('InternalSRSError')).toBe('internal_srs_error');
    expect(codeOfType('ObjectDoesNotExist')).toBe('object_does_not_exist');
  });
});
