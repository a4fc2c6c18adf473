import { http, HttpResponse, type HttpHandler } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';

export const BASE_URL = 'https://api.openprovider.test/v1beta';

export interface RecordedRequest {
  method: string;
  /** Relative to BASE_URL, without query. */
  path: string;
  search: URLSearchParams;
  authorization: string | null;
  body: string;
}

/** What the mocked Openprovider received, in order; cleared after every test. */
export const received: RecordedRequest[] = [];

async function record(request: Request): Promise<RecordedRequest> {
  const url = new URL(request.url);
  const entry = {
    method: request.method,
    path: url.pathname.slice(new URL(BASE_URL).pathname.length),
    search: url.searchParams,
    authorization: request.headers.get('authorization'),
    body: await request.text(),
  };
  received.push(entry);
  return entry;
}

export const receivedAt = (method: string, path: string): RecordedRequest[] =>
  received.filter((request) => request.method === method && request.path === path);

type Method = 'get' | 'post' | 'delete';

/** Answers `reply(recorded)` for one route, recording every request. */
export function route(method: Method, path: string, reply: (request: RecordedRequest) => Response | Promise<Response>): HttpHandler {
  return http[method](`${BASE_URL}${path}`, async ({ request }) => reply(await record(request)));
}

export const ok = (data: unknown): Response => HttpResponse.json({ code: 0, desc: '', data });

export const opError = (status: number, code: number, desc = '', headers: Record<string, string> = {}): Response =>
  HttpResponse.json({ code, desc, data: '' }, { status, headers });

/** Hands out token-1, token-2, ... one per login. */
export function loginRoute(): HttpHandler {
  let logins = 0;
  return route('post', '/auth/login', () => {
    logins += 1;
    return ok({ token: `token-${logins}`, reseller_id: 100001 });
  });
}

/** Login, customer creation, listing (empty) and deletion, domain creation and an empty domain list, all succeeding. */
export function happyRoutes(): HttpHandler[] {
  return [
    loginRoute(),
    route('post', '/customers', () => ok({ handle: 'JJ000001-NL' })),
    route('get', '/customers', () => ok({ results: [], total: 0 })),
    route('delete', '/customers/:handle', () => ok({ success: true })),
    route('post', '/domains', () => ok({ id: 4242, status: 'REQ' })),
    route('get', '/domains', () => ok({ results: [], total: 0 })),
  ];
}

/** An msw server for this test file: unhandled requests fail the test; handlers reset after each test. */
export function useMockOpenprovider(): SetupServer {
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
