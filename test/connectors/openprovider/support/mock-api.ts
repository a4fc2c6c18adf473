import { HttpResponse, type HttpHandler } from 'msw';
import type { SetupServer } from 'msw/node';
import { mswRecorder } from '../../support/msw-recorder';

export const BASE_URL = 'https://api.openprovider.test/v1beta';

/** What the mocked Openprovider received, in order; cleared after every test. */
const recorder = mswRecorder(BASE_URL);
export const { received, receivedAt, route, sentJson } = recorder;

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

/** An msw server for this test file, answering `happyRoutes()` unless a test says otherwise. */
export const useMockOpenprovider = (): SetupServer => recorder.useServer(happyRoutes);
