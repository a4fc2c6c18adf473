import { api, registerBody, type TestGateway } from './gateway';
import { uniqueName, waitFor } from './services';

/** What a call answered and how long it took: issue #3 asks for a 503 within 2 s, never a hang. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

/** POSTs a domain registration; the answer plus what is needed to follow the transfer. */
export async function postTransfer(gateway: TestGateway, body = registerBody(), idempotencyKey = uniqueName('outage-')) {
  const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': idempotencyKey } });
  return { answer, body, idempotencyKey, domain: body.data.domain };
}

export async function untilReady(gateway: TestGateway): Promise<void> {
  await waitFor(async () => (await api(gateway, 'GET', '/readyz')).status === 200, 'readyz to answer 200 again');
}

/** Requests the gateway answered with a 5xx other than 503: an outage must show as "unavailable", never as a crash. */
export function unexpectedServerErrors(gateway: TestGateway): { route: string; status: number }[] {
  return gateway
    .logs()
    .split('\n')
    .flatMap((line) => {
      if (!line.includes('"message":"request"')) return [];
      const entry = JSON.parse(line) as { route: string; status: number };
      return entry.status >= 500 && entry.status !== 503 ? [{ route: entry.route, status: entry.status }] : [];
    });
}
