import { HttpResponse } from 'msw';
import { SupplierUnavailableError, sha256Hex } from '../../../src/connector-kit';
import { openprovider } from '../../../connectors/openprovider/connector';
import { customerTagOf } from '../../../connectors/openprovider/customers';
import { BASE_URL, ok, opError, received, receivedAt, route, useMockOpenprovider } from './support/mock-api';
import { nextAttempt, recordingContext, registerPayload } from '../support/payloads';

// Issue 10 point 4: one Openprovider customer (a copy of the registrant's data) per transfer, however many
// attempts it takes, and none left behind by a transfer that fails for good.

const server = useMockOpenprovider();
const connector = () => openprovider.create({ baseUrl: BASE_URL, username: 'reseller-test', password: 'secret-test' });
const TRANSFER_ID = 'b3c1e7a2-5d4f-4e8a-9c6b-0f1e2d3c4b5a';
const tag = customerTagOf(TRANSFER_ID);
/** An attempt of the transfer TRANSFER_ID, as the worker makes it. */
const attempt = (state: Record<string, string> = {}) => recordingContext({ state, transferId: TRANSFER_ID });
const paths = (method: string) => received.filter((request) => request.method === method).map((request) => request.path);
const listing = (...customers: object[]) => ok({ results: customers, total: customers.length });

describe('deliver: one owner handle per transfer', () => {
  it('records the tag before asking for the customer, and the handle before asking for the domain', async () => {
    const ctx = attempt();
    const recordedWhenAsked: Record<string, unknown> = {};
    server.use(
      route('post', '/customers', () => {
        recordedWhenAsked.customer = ctx.recorded.at(-1);
        return ok({ handle: 'ZQ000042-NL' });
      }),
      route('post', '/domains', () => {
        recordedWhenAsked.domain = ctx.recorded.at(-1);
        return ok({ id: 4242 });
      }),
    );
    await connector().deliver('domain.register', registerPayload(), ctx);

    expect(recordedWhenAsked).toEqual({ customer: { customerTag: tag }, domain: { customerTag: tag, customerHandle: 'ZQ000042-NL' } });
    expect(JSON.parse(receivedAt('POST', '/customers')[0].body)).toMatchObject({ comments: tag });
    // A first attempt has nothing to look for.
    expect(receivedAt('GET', '/customers')).toEqual([]);
  });

  it('a retry reuses the recorded handle: no second customer, and the digest still covers both bodies', async () => {
    const payload = registerPayload();
    server.use(route('post', '/customers', () => ok({ handle: 'ZQ000042-NL' })), route('post', '/domains', () => opError(503, 1)));
    const first = attempt();
    await expect(connector().deliver('domain.register', payload, first)).rejects.toBeInstanceOf(SupplierUnavailableError);

    server.use(route('post', '/domains', () => ok({ id: 4242 })));
    const result = await connector().deliver('domain.register', payload, nextAttempt(first));

    expect(paths('POST')).toEqual(['/auth/login', '/customers', '/domains', '/auth/login', '/domains']);
    expect(receivedAt('GET', '/customers')).toEqual([]);
    const [customers] = receivedAt('POST', '/customers');
    const [, domains] = receivedAt('POST', '/domains');
    expect(JSON.parse(domains.body)).toMatchObject({ owner_handle: 'ZQ000042-NL', admin_handle: 'ZQ000042-NL', tech_handle: 'ZQ000042-NL' });
    expect(result.sentDigest).toBe(sha256Hex(customers.body + domains.body));
  });

  it('after a lost answer to the customer request, the retry finds that customer by its tag instead of making another', async () => {
    server.use(route('post', '/customers', () => HttpResponse.error()));
    const first = attempt();
    await expect(connector().deliver('domain.register', registerPayload(), first)).rejects.toMatchObject({ outcomeUnknown: true });
    expect(first.recorded).toEqual([{ customerTag: tag }]);

    server.use(
      route('get', '/customers', () =>
        listing(
          { handle: 'XX000001-NL', comments: `${tag}0` },
          { handle: 'YY000002-NL', comments: tag, is_deleted: true },
          { handle: 'ZQ000042-NL', comments: tag },
        )),
    );
    const second = nextAttempt(first);
    await connector().deliver('domain.register', registerPayload(), second);

    expect(receivedAt('GET', '/customers')[0].search.get('comment_pattern')).toBe(tag);
    expect(receivedAt('POST', '/customers')).toHaveLength(1);
    expect(JSON.parse(receivedAt('POST', '/domains')[0].body)).toMatchObject({ owner_handle: 'ZQ000042-NL' });
    expect(second.recorded).toEqual([{ customerTag: tag, customerHandle: 'ZQ000042-NL' }]);
  });

  it('when no tagged customer exists (the lost request never landed), the retry makes one, tagged the same', async () => {
    server.use(route('post', '/customers', () => HttpResponse.error()));
    const first = attempt();
    await expect(connector().deliver('domain.register', registerPayload(), first)).rejects.toBeInstanceOf(SupplierUnavailableError);

    server.use(route('post', '/customers', () => ok({ handle: 'ZQ000043-NL' })));
    const second = nextAttempt(first);
    await connector().deliver('domain.register', registerPayload(), second);

    expect(receivedAt('GET', '/customers')).toHaveLength(1);
    expect(receivedAt('POST', '/customers').map((request) => JSON.parse(request.body).comments)).toEqual([tag, tag]);
    expect(second.recorded).toEqual([{ customerTag: tag, customerHandle: 'ZQ000043-NL' }]);
  });

  it('records nothing when the login fails, so discard has nothing to look for', async () => {
    server.use(route('post', '/auth/login', () => opError(401, 196, 'Authentication/Authorization Failed')));
    const ctx = attempt();
    await expect(connector().deliver('domain.register', registerPayload(), ctx)).rejects.toMatchObject({ code: 'auth_failed' });
    expect(ctx.recorded).toEqual([]);

    await connector().discard('domain.register', ctx);
    expect(paths('POST')).toEqual(['/auth/login']);
    expect(received).toHaveLength(1);
  });

  it('leaves the handle of a refused domain to discard: deliver itself deletes nothing', async () => {
    server.use(route('post', '/domains', () => opError(400, 346, 'Domain exists')));
    const ctx = attempt();
    await expect(connector().deliver('domain.register', registerPayload(), ctx)).rejects.toMatchObject({ code: 'domain_taken' });
    expect(paths('DELETE')).toEqual([]);
    expect(ctx.recorded.at(-1)).toEqual({ customerTag: tag, customerHandle: 'JJ000001-NL' });
  });
});

describe('discard: nothing of a failed transfer stays at Openprovider', () => {
  const failedState = { customerTag: tag, customerHandle: 'ZQ000042-NL' };
  const discard = (state: Record<string, string>) => connector().discard('domain.register', attempt(state));

  it('deletes the recorded handle and any customer that carries the transfer tag', async () => {
    server.use(route('get', '/customers', () => listing({ handle: 'ZQ000042-NL', comments: tag }, { handle: 'ZQ000044-NL', comments: tag })));
    await discard(failedState);

    expect(paths('DELETE')).toEqual(['/customers/ZQ000042-NL', '/customers/ZQ000044-NL']);
    expect(receivedAt('GET', '/domains').map((request) => request.search.get('contact_handle'))).toEqual(['ZQ000042-NL', 'ZQ000044-NL']);
  });

  it('forgets the handle it deleted: an attempt after it (the worker died before the transfer was marked failed) makes a new customer instead of naming a deleted one', async () => {
    const ctx = attempt(failedState);
    await connector().discard('domain.register', ctx);
    expect(ctx.state).toEqual({ customerTag: tag });

    server.use(route('post', '/customers', () => ok({ handle: 'ZQ000046-NL' })), route('post', '/domains', () => ok({ id: 4246 })));
    await connector().deliver('domain.register', registerPayload(), nextAttempt(ctx));
    expect(JSON.parse(receivedAt('POST', '/domains')[0].body)).toMatchObject({ owner_handle: 'ZQ000046-NL' });
  });

  it('forgets the handle before deleting it: an attempt after a discard cut short finds the customer by its tag, not by a handle that may be gone', async () => {
    const ctx = attempt(failedState);
    server.use(route('delete', '/customers/:handle', () => HttpResponse.error()));
    await expect(connector().discard('domain.register', ctx)).rejects.toBeInstanceOf(SupplierUnavailableError);
    expect(ctx.state).toEqual({ customerTag: tag });

    server.use(route('get', '/customers', () => listing({ handle: 'ZQ000042-NL', comments: tag })), route('post', '/domains', () => ok({ id: 4247 })));
    await connector().deliver('domain.register', registerPayload(), nextAttempt(ctx));
    expect(JSON.parse(receivedAt('POST', '/domains')[0].body)).toMatchObject({ owner_handle: 'ZQ000042-NL' });
    expect(receivedAt('POST', '/customers')).toEqual([]);
  });

  it('finds the customer of an attempt that died before recording its handle', async () => {
    server.use(route('get', '/customers', () => listing({ handle: 'ZQ000045-NL', comments: tag })));
    await discard({ customerTag: tag });
    expect(paths('DELETE')).toEqual(['/customers/ZQ000045-NL']);
  });

  it('counts a customer already gone (404) as removed, so a second discard succeeds too', async () => {
    server.use(route('delete', '/customers/:handle', () => opError(404, 10, 'Customer not found')));
    await expect(discard(failedState)).resolves.toBeUndefined();
    await expect(discard(failedState)).resolves.toBeUndefined();
    expect(paths('DELETE')).toHaveLength(2);
  });

  it.each([
    ['a server error', () => opError(500, 1), 'SupplierUnavailableError'],
    ['a refusal', () => opError(400, 10, 'The customer is in use'), 'SupplierRejectedError'],
  ])('throws a connector-kit error on %s, so the gateway can try again', async (_, answer, name) => {
    server.use(route('delete', '/customers/:handle', answer));
    await expect(discard(failedState)).rejects.toMatchObject({ name });
  });

  it('keeps a handle that a standing domain uses; one whose domain was deleted goes', async () => {
    const domainsOf = (status: string) => ok({ results: [{ id: 7, status, domain: { name: 'jansen', extension: 'nl' } }], total: 1 });
    server.use(route('get', '/domains', () => domainsOf('ACT')));
    await discard(failedState);
    expect(paths('DELETE')).toEqual([]);

    server.use(route('get', '/domains', () => domainsOf('DEL')));
    await discard(failedState);
    expect(paths('DELETE')).toEqual(['/customers/ZQ000042-NL']);
  });

  it('asks nothing of a transfer that never asked for a customer', async () => {
    await discard({});
    expect(received).toEqual([]);
  });

  it('refuses an operation it does not implement', async () => {
    await expect(connector().discard('debt.collect', attempt(failedState))).rejects.toMatchObject({ code: 'unsupported_operation' });
    expect(received).toEqual([]);
  });
});
