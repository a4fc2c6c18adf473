import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadAgreements, schemasDir } from '../../src/agreements/agreements';
import { defaultQueuePolicy } from '../../src/config/suppliers';
import { createLogger } from '../../src/log/logger';
import { GatewayMetrics } from '../../src/metrics';
import { DeliveryQueues, producerConnection } from '../../src/queue/queues';
import type { Database } from '../../src/store';
import { migrate } from '../../src/store/migrate';
import { Intake } from '../../src/transfers/intake';
import { openTestDatabase, type TestDatabase } from './databases';
import { removeRedisKeys, testRedisUrl, uniqueName } from './services';

export interface IntakeFixture {
  /** Migrated. */
  database: TestDatabase;
  queues: DeliveryQueues;
  /** An intake writing to `db` and `queues` (the fixture's unless given); intakes made here share their keys, as the processes of one deployment do. */
  newIntake(db?: Database, queues?: DeliveryQueues): Intake;
  /** Closes every intake made here, then removes the queue keys and the database. */
  close(): Promise<void>;
}

/** The intake on its own, as the gateway wires it, against the real PostgreSQL (a fresh schema) and Redis (its own queue prefix). */
export async function createIntakeFixture(): Promise<IntakeFixture> {
  const masterKey = randomBytes(32);
  const subjectHashKey = randomBytes(32);
  const prefix = uniqueName('sgwtest-');
  const redis = producerConnection(testRedisUrl);
  const queues = new DeliveryQueues(redis, prefix, new Map([['openprovider', defaultQueuePolicy]]));
  const metrics = new GatewayMetrics({ queues, redis, queuePrefix: prefix, suppliers: ['openprovider'] });
  const database = await openTestDatabase('postgres');
  await migrate(database.db);
  const intakes: Intake[] = [];
  return {
    database,
    queues,
    newIntake(db = database.db, queuesOfIntake = queues) {
      const intake = new Intake({ db, queues: queuesOfIntake, agreements: loadAgreements(schemasDir), masterKey, subjectHashKey, metrics, log: createLogger('error', new Writable({ write: (_chunk, _encoding, done) => done() })) });
      intakes.push(intake);
      return intake;
    },
    async close() {
      await Promise.all(intakes.map((intake) => intake.close()));
      await queues.close();
      redis.disconnect();
      await removeRedisKeys(prefix);
      await database.close();
    },
  };
}
