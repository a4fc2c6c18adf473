import { http, HttpResponse, type HttpHandler } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';
import { realtimeregister } from '../../../../connectors/realtimeregister/connector';

export const BASE_URL = 'https://api.realtimeregister.test/v2';
export const CUSTOMER = 'reseller-test';
export const API_KEY = 'key-test';

export const connector = (timeoutMs?: number) => realtimeregister.create({ baseUrl: BASE_URL, customer: CUSTOMER, apiKey: API_KEY, timeoutMs });

export interface RecordedRequest {
  method: string;
  /** Relative to BASE_URL, without query, decoded. */
  path: string;
  search: URLSearchParams;
  authorization: string | null;
  body: string;
}

/** What the mocked Realtime Register received, in order; cleared after every test. */
export const received: RecordedRequest[] = [];

export const receivedAt = (method: string, pattern: RegExp): RecordedRequest[] =>
  received.filter((request) => request.method === method && pattern.test(request.path));

type Method = 'get' | 'post' | 'delete';

/** Answers `reply(recorded)` for one route (msw path syntax, relative to BASE_URL), recording every request. */
export function route(method: Method, path: string, reply: (request: RecordedRequest) => Response | Promise<Response>): HttpHandler {
  return http[method](`${BASE_URL}${path}`, async ({ request }) => {
    const url = new URL(request.url);
    const recorded = {
      method: request.method,
      path: decodeURIComponent(url.pathname.slice(new URL(BASE_URL).pathname.length)),
      search: url.searchParams,
      authorization: request.headers.get('authorization'),
      body: await request.text(),
    };
    received.push(recorded);
    return reply(recorded);
  });
}

/** Realtime Register's error body; `message` and violation values carry what was sent, as the real API's can. */
export const rtrError = (status: number, type: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response =>
  HttpResponse.json({ type, message: 'refused', ...extra }, { status, headers });

export const notFound = (): Response => rtrError(404, 'ObjectDoesNotExist', { objectType: 'Contact' });

/** No contact yet, contact and domain creation succeed, no domain registered. */
export function happyRoutes(): HttpHandler[] {
  return [
    route('get', '/customers/:customer/contacts', () => HttpResponse.json({ entities: [], pagination: { limit: 1, offset: 0, total: 0 } })),
    route('get', '/customers/:customer/contacts/:handle', () => notFound()),
    route('post', '/customers/:customer/contacts/:handle', () => new HttpResponse(null, { status: 201 })),
    route('delete', '/customers/:customer/contacts/:handle', () => new HttpResponse(null, { status: 200 })),
    route('post', '/domains/:domain', ({ path }) => HttpResponse.json({ domainName: path.slice('/domains/'.length), status: 'OK' }, { status: 201 })),
    route('get', '/domains/:domain', () => rtrError(404, 'ObjectDoesNotExist', { objectType: 'Domain' })),
    route('get', '/domains', () => HttpResponse.json({ entities: [], pagination: { limit: 1, offset: 0, total: 0 } })),
  ];
}

/** An msw server for this test file: unhandled requests fail the test; handlers reset after each test. */
export function useMockRealtimeRegister(): SetupServer {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  beforeEach(() => server.use(...happyRoutes()));
  afterEach(() => {
    server.resetHandlers();
    received.length = 0;
  });
  afterAll(() => server.close());
  return server;
}
