import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A gateway started for a benchmark: where it listens, its database, and keys of both roles the drain uses. */
export interface BenchGateway {
  url: string;
  db: Client;
  provisioning: string;
  ops: string;
}

/** A call to the gateway's API that must succeed; answers the JSON body. */
export async function call(gateway: BenchGateway, method: string, route: string, token: string, body?: string, headers: Record<string, string> = {}): Promise<any> {
  const response = await fetch(gateway.url + route, { method, headers: { authorization: `Bearer ${token}`, ...(body && { 'content-type': 'application/json' }), ...headers }, body });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** How many transfers match `where`. */
export async function countTransfers(gateway: BenchGateway, where: string): Promise<number> {
  return Number((await gateway.db.query(`select count(*) as n from transfers where ${where}`)).rows[0].n);
}

/**
 * Queues `transfers` transfer bodies (`body()` makes each) for `supplier` while it is paused, twenty callers at a time
 * as provisioning systems would send them, then resumes it and times the drain: answers deliveries per second.
 */
export async function drainThroughGateway(gateway: BenchGateway, supplier: string, transfers: number, body: () => string): Promise<number> {
  const deliveredBefore = await countTransfers(gateway, `status = 'delivered'`);
  await call(gateway, 'POST', `/v1/suppliers/${supplier}/pause`, gateway.ops);
  let sent = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (sent < transfers) {
        sent += 1;
        await call(gateway, 'POST', '/v1/transfers', gateway.provisioning, body(), { 'idempotency-key': randomUUID() });
      }
    }),
  );
  await until(async () => (await call(gateway, 'GET', `/v1/suppliers/${supplier}`, gateway.ops)).counts.waiting >= transfers, 'every job to wait');
  const started = performance.now();
  await call(gateway, 'POST', `/v1/suppliers/${supplier}/resume`, gateway.ops);
  await until(async () => (await countTransfers(gateway, `status = 'delivered'`)) >= deliveredBefore + transfers, 'the gateway to deliver them all');
  const seconds = (performance.now() - started) / 1000;
  const failed = await countTransfers(gateway, `status <> 'delivered'`);
  if (failed) throw new Error(`${failed} transfers were not delivered`);
  return transfers / seconds;
}
