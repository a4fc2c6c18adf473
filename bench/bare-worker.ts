import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { toDomainBody } from '../connectors/openprovider/operations/domain-register';

/**
 * The drain benchmark's reference: a bare BullMQ worker making the HTTP calls a delivery makes — log in once,
 * create the customer, register the domain — to the same sandbox, with no database, sealing or shares log.
 */
const { SANDBOX_URL, SANDBOX_USERNAME, SANDBOX_PASSWORD, REDIS_URL, BENCH_PREFIX, BENCH_QUEUE, CONCURRENCY } = process.env as Record<string, string>;

let token: Promise<string> | undefined;

async function post(path: string, body: unknown, bearer?: string): Promise<any> {
  const response = await fetch(`${SANDBOX_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer && { authorization: `Bearer ${bearer}` }) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

async function deliver(): Promise<void> {
  token ??= post('/auth/login', { username: SANDBOX_USERNAME, password: SANDBOX_PASSWORD }).then((answer) => answer.data.token as string);
  const bearer = await token;
  const customer = await post(
    '/customers',
    {
      name: { first_name: 'Jan', last_name: 'Jansen', initials: 'J.' },
      address: { street: 'Voorbeeldstraat', number: '1', zipcode: '1011AB', city: 'Amsterdam', country: 'NL' },
      phone: { country_code: '+31', area_code: '20', subscriber_number: '1234567' },
      email: 'jan.jansen@example.nl',
      comments: `bench ${randomBytes(8).toString('hex')}`,
    },
    bearer,
  );
  const payload = { domain: `bare-${randomBytes(6).toString('hex')}.nl`, period: 1, nameServers: ['ns1.example.net', 'ns2.example.net'], registrant: undefined as never };
  await post('/domains', toDomainBody(payload, customer.data.handle), bearer);
}

const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
const worker = new Worker(BENCH_QUEUE, deliver, { connection, prefix: BENCH_PREFIX, concurrency: Number(CONCURRENCY) });
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
