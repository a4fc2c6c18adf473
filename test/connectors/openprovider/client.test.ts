import { delay } from 'msw';
import { SupplierContractError, SupplierRejectedError } from '../../../src/connector-kit';
import { openprovider } from '../../../connectors/openprovider/connector';
import { BASE_URL, ok, opError, received, receivedAt, route, useMockOpenprovider } from './support/mock-api';
import { registerPayload, recordingContext } from '../support/payloads';
import { swaggerErrors } from './support/swagger';

const server = useMockOpenprovider();
const config = { baseUrl: BASE_URL, username: 'reseller-test', password: 'secret-test' };

describe('openprovider login and token handling', () => {
  it('sends the credentials as swagger authLoginRequest and then the token as a bearer', async () => {
    const connector = openprovider.create(config);
    await connector.lookup('domain.register', registerPayload(), recordingContext());

    const [login] = receivedAt('POST', '/auth/login');
    expect(JSON.parse(login.body)).toEqual({ username: 'reseller-test', password: 'secret-test' });
    expect(swaggerErrors('auth', 'authLoginRequest', JSON.parse(login.body))).toEqual([]);
    expect(receivedAt('GET', '/domains')[0].authorization).toBe('Bearer token-1');
  });

  it('reuses the token for later calls', async () => {
    const connector = openprovider.create(config);
    await connector.lookup('domain.register', registerPayload(), recordingContext());
    await connector.deliver('domain.register', registerPayload(), recordingContext());

    expect(receivedAt('POST', '/auth/login')).toHaveLength(1);
    expect(receivedAt('POST', '/domains').map((request) => request.authorization)).toEqual(['Bearer token-1']);
  });

  it('shares one login between concurrent calls', async () => {
    const connector = openprovider.create(config);
    await Promise.all([1, 2, 3].map(() => connector.lookup('domain.register', registerPayload(), recordingContext())));

    expect(receivedAt('POST', '/auth/login')).toHaveLength(1);
    expect(receivedAt('GET', '/domains')).toHaveLength(3);
  });

  it('logs in again once on a 401 and retries the call with the new token', async () => {
    server.use(route('get', '/domains', (request) =>
      request.authorization === 'Bearer token-1' ? opError(401, 196, 'Authentication/Authorization Failed') : ok({ results: [], total: 0 })));
    const connector = openprovider.create(config);

    await expect(connector.lookup('domain.register', registerPayload(), recordingContext())).resolves.toBeNull();
    expect(receivedAt('POST', '/auth/login')).toHaveLength(2);
    expect(receivedAt('GET', '/domains').map((request) => request.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('gives up with auth_failed when the fresh token is refused too, without looping', async () => {
    server.use(route('get', '/domains', () => opError(401, 196, 'Authentication/Authorization Failed')));
    const connector = openprovider.create(config);

    const failure = connector.lookup('domain.register', registerPayload(), recordingContext());
    await expect(failure).rejects.toBeInstanceOf(SupplierRejectedError);
    await expect(failure).rejects.toMatchObject({ code: 'auth_failed' });
    expect(receivedAt('GET', '/domains')).toHaveLength(2);
  });

  it('check() logs in afresh every time and fails with auth_failed on refused credentials', async () => {
    const connector = openprovider.create(config);
    await connector.check();
    await connector.check();
    expect(receivedAt('POST', '/auth/login')).toHaveLength(2);

    server.use(route('post', '/auth/login', () => opError(401, 196, 'Authentication/Authorization Failed')));
    await expect(connector.check()).rejects.toMatchObject({ name: 'SupplierRejectedError', code: 'auth_failed' });
  });

  it('a caller that gives up during the shared login stops at once; the login goes on for the others', async () => {
    server.use(route('post', '/auth/login', async () => {
      await delay(600);
      return ok({ token: 'token-slow' });
    }));
    const connector = openprovider.create(config);
    const controller = new AbortController();
    const patient = connector.lookup('domain.register', registerPayload(), recordingContext());
    const impatient = connector.lookup('domain.register', registerPayload(), recordingContext({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);

    const started = Date.now();
    await expect(impatient).rejects.toMatchObject({ name: 'SupplierUnavailableError', code: 'aborted', outcomeUnknown: false });
    expect(Date.now() - started).toBeLessThan(400);
    await expect(patient).resolves.toBeNull();
    expect(receivedAt('POST', '/auth/login')).toHaveLength(1);
    expect(receivedAt('GET', '/domains').map((request) => request.authorization)).toEqual(['Bearer token-slow']);
  });

  it('sends nothing for a call whose delivery was aborted before it', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(openprovider.create(config).deliver('domain.register', registerPayload(), recordingContext({ signal: controller.signal }))).rejects.toMatchObject({
      code: 'aborted',
      outcomeUnknown: false,
    });
    expect(received).toEqual([]);
  });

  it('treats a login answer without a token as a contract error', async () => {
    server.use(route('post', '/auth/login', () => ok({ reseller_id: 1 })));
    await expect(openprovider.create(config).check()).rejects.toBeInstanceOf(SupplierContractError);
  });

  it('logs only call names, statuses, Openprovider codes and durations', async () => {
    const ctx = recordingContext();
    await openprovider.create(config).deliver('domain.register', registerPayload(), ctx);

    const logged = ctx.lines.map((line) => JSON.parse(line) as { fields: Record<string, unknown> });
    expect(logged.map((line) => line.fields.call)).toEqual(['customers.create', 'domains.create']);
    for (const { fields } of logged) expect(Object.keys(fields).sort()).toEqual(['call', 'durationMs', 'httpStatus', 'opCode']);
  });
});
