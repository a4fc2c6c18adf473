import { http, type HttpHandler } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';

export interface RecordedRequest {
  method: string;
  /** Relative to the base URL, without query, decoded. */
  path: string;
  search: URLSearchParams;
  authorization: string | null;
  body: string;
}

type Method = 'get' | 'post' | 'delete';
type Reply = (request: RecordedRequest) => Response | Promise<Response>;

/** A mocked supplier API at `baseUrl` that records what it received, in order. */
export function mswRecorder(baseUrl: string) {
  const basePathLength = new URL(baseUrl).pathname.length;
  /** Cleared after every test by `useServer`. */
  const received: RecordedRequest[] = [];

  /** Answers `reply(recorded)` for one route (msw path syntax, relative to `baseUrl`), recording every request. */
  function route(method: Method, path: string, reply: Reply): HttpHandler {
    return http[method](`${baseUrl}${path}`, async ({ request }) => {
      const url = new URL(request.url);
      const recorded = {
        method: request.method,
        path: decodeURIComponent(url.pathname.slice(basePathLength)),
        search: url.searchParams,
        authorization: request.headers.get('authorization'),
        body: await request.text(),
      };
      received.push(recorded);
      return reply(recorded);
    });
  }

  /** The requests with `method` whose path is `path`, or matches it. */
  const receivedAt = (method: string, path: string | RegExp): RecordedRequest[] =>
    received.filter((request) => request.method === method && (typeof path === 'string' ? request.path === path : path.test(request.path)));

  /** The JSON body of the first request with `method` at `path`. */
  const sentJson = (method: string, path: string | RegExp): unknown => JSON.parse(receivedAt(method, path)[0].body);

  /** An msw server for this test file: unhandled requests fail the test; `happyRoutes()` are fresh for every test. */
  function useServer(happyRoutes: () => HttpHandler[]): SetupServer {
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

  return { received, route, receivedAt, sentJson, useServer };
}
