import { randomBytes } from 'node:crypto';
import { defaultQueuePolicy } from '../../src/config/suppliers';
import { createLogger } from '../../src/log/logger';
import { DeliveryQueues, producerConnection } from '../../src/queue/queues';
import { migrate } from '../../src/store/migrate';
import { Intake } from '../../src/transfers/intake';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { registerBody } from '../support/gateway';
import { removeRedisKeys, testRedisUrl, uniqueName } from '../support/services';

// Stopping the intake (SIGTERM) must not fail the requests it already took: their callers may have hung
// up and will not retry, so each is finished, row and job, before the intake threads stop.
const prefix = uniqueName('sgwtest-');
const redis = producerConnection(testRedisUrl);
const queues = new DeliveryQueues(redis, prefix, new Map([['openprovider', defaultQueuePolicy]]));
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase('postgres');
  await migrate(database.db);
});
afterAll(async () => {
  await queues.close();
  redis.disconnect();
  await removeRedisKeys(prefix);
  await database.close();
});

test('close() finishes the requests under way, then new ones get 503', async () => {
  const intake = new Intake({ db: database.db, queues, masterKey: randomBytes(32), subjectHashKey: randomBytes(32), log: createLogger('error') });
  await intake.start();
  const underway = Array.from({ length: 20 }, () => intake.accept('key-provisioning', uniqueName('idem-'), JSON.stringify(registerBody())));
  await intake.close();

  const accepted = await Promise.all(underway);
  const ids = accepted.map(({ id }) => id);
  const rows = await database.db.query<{ id: string }>('select id from transfers where id = any($1::uuid[])', [ids]);
  expect(rows).toHaveLength(ids.length);
  const jobs = await Promise.all(ids.map((id) => queues.queue('openprovider').getJob(id)));
  expect(jobs.map((job) => job?.data)).toEqual(ids.map((transferId) => ({ transferId })));

  await expect(intake.accept('key-provisioning', uniqueName('idem-'), JSON.stringify(registerBody()))).rejects.toMatchObject({ status: 503 });
}, 30_000);
