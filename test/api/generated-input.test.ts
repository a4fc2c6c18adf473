import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';
import { canaries, generatedRequest, type GeneratedRequest } from './generated-requests';

/**
 * The door under generated input, through a real port: at least 10,000 requests, broken in every way
 * generated-requests.ts knows, sent `concurrency` at a time with well-formed ones, so that a broken request
 * shares batches, threads and connections with good ones. No answer may be a 5xx, every refusal is
 * problem+json that echoes no value, and every well-formed request is accepted.
 */
const concurrency = 48;
const minimumRequests = 10_000;
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

/** A pointer names array indices and keys shaped like field names only (RFC 6901 syntax, and our rule for keys). */
const safePointer = /^(\/([A-Za-z_][A-Za-z0-9_-]{0,63}|0|[1-9][0-9]*))*$/;

interface Answer {
  status: number;
  type: string;
  text: string;
}

async function send(generated: GeneratedRequest): Promise<Answer> {
  const headers: Record<string, string> = { 'idempotency-key': uniqueName('gen-'), ...generated.headers };
  if (generated.authenticated) headers.authorization = `Bearer ${gateway.keys.provisioning}`;
  const response = await fetch(`${gateway.url}/v1/transfers${generated.query}`, { method: 'POST', headers, body: generated.body });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** What is wrong with an answer, or undefined. */
function fault(generated: GeneratedRequest, { status, type, text }: Answer): string | undefined {
  if (status >= 500) return `a ${status}`;
  if (generated.expected !== undefined && status !== generated.expected) return `${status}, not ${generated.expected}`;
  const leaked = canaries.filter((value) => text.includes(value));
  if (leaked.length) return `the answer echoes ${leaked.join(', ')}`;
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return `a ${status} that is not JSON`;
  }
  if (status === 202) return body.status === 'queued' && typeof body.id === 'string' ? undefined : 'a 202 without a queued transfer';
  if (!type.startsWith('application/problem+json')) return `a ${status} as ${type}`;
  if (typeof body.type !== 'string' || typeof body.title !== 'string' || body.status !== status) return 'a problem without type, title or its status';
  const pointers: unknown[] = (body.errors ?? []).map((error: { pointer: unknown }) => error.pointer);
  const bad = pointers.filter((pointer) => typeof pointer !== 'string' || !safePointer.test(pointer));
  return bad.length ? `pointers ${JSON.stringify(bad)}` : undefined;
}

test(`at least ${minimumRequests} generated requests, ${concurrency} at a time: no 5xx, problem+json refusals that echo nothing, every well-formed one accepted`, async () => {
  const byStatus = new Map<number, number>();
  const byKind = new Map<string, number>();
  const accepted: string[] = [];
  const started = Date.now();
  let sent = 0;
  const report = () => {
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `generated input: ${sent} requests in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s), ${concurrency} at a time\n` +
        `  by status: ${[...byStatus].sort(([a], [b]) => a - b).map(([status, count]) => `${status} ${count}`).join(', ')}\n` +
        `  by kind: ${[...byKind].map(([kind, count]) => `${kind} ${count}`).join(', ')}`,
    );
  };
  const property = fc.asyncProperty(fc.array(generatedRequest, { minLength: concurrency, maxLength: concurrency }), async (batch) => {
    const answers = await Promise.all(batch.map(send));
    sent += batch.length;
    for (const [index, { status, text }] of answers.entries()) {
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      byKind.set(batch[index].kind, (byKind.get(batch[index].kind) ?? 0) + 1);
      if (status === 202) accepted.push(JSON.parse(text).id);
    }
    const faults = batch.flatMap((generated, index) => {
      const found = fault(generated, answers[index]);
      return found ? [`${generated.kind}: ${found}`] : [];
    });
    expect(faults).toEqual([]);
  });
  // No shrinking: a failure is about what a request met in its batch, and the batch (with seed and path) is the reproduction.
  const details = await fc.check(property, { numRuns: Math.ceil(minimumRequests / concurrency), seed, endOnFailure: true });
  report();
  if (details.failed) {
    const batch = details.counterexample![0];
    throw new Error(
      `seed ${details.seed}, path ${details.counterexamplePath}: ${(details.errorInstance as Error).message.slice(0, 2000)}\n` +
        `the batch:\n${batch.map((generated) => `  ${generated.kind} ${generated.query} ${JSON.stringify(generated.headers)} ${typeof generated.body === 'string' ? JSON.stringify(generated.body.slice(0, 200)) : `${generated.body.length} bytes`}`).join('\n')}\n` +
        `gateway errors:\n${gateway.logs().split('\n').filter((line) => line.includes('"error"')).slice(0, 20).join('\n')}`,
    );
  }
  expect(sent).toBeGreaterThanOrEqual(minimumRequests);
  // Each 202 is a stored transfer.
  const [{ count }] = await gateway.db.query<{ count: string }>('select count(*) from transfers where id = any($1::uuid[])', [accepted]);
  expect(Number(count)).toBe(accepted.length);
  // The gateway runs in this process: a `__proto__` key anywhere must not have reached Object.prototype.
  expect(Object.keys(Object.prototype)).toEqual([]);
}, 300_000);
