import { HttpResponse, type HttpHandler } from 'msw';
import type { SetupServer } from 'msw/node';
import { mswRecorder } from '../../support/msw-recorder';
import { realtimeregister } from '../../../../connectors/realtimeregister/connector';

export const BASE_URL = 'https://api.realtimeregister.test/v2';
export const CUSTOMER = 'reseller-test';
export const API_KEY = 'key-test';

export const connector = (timeoutMs?: number) => realtimeregister.create({ baseUrl: BASE_URL, customer: CUSTOMER, apiKey: API_KEY, timeoutMs });

/** What the mocked Realtime Register received, in order; cleared after every test. */
const recorder = mswRecorder(BASE_URL);
export const { received, receivedAt, route, sentJson } = recorder;

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

/** An msw server for this test file, answering `happyRoutes()` unless a test says otherwise. */
export const useMockRealtimeRegister = (): SetupServer => recorder.useServer(happyRoutes);
