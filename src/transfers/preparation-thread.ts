import { workerData } from 'node:worker_threads';
import { loadAgreements, schemasDir } from '../agreements/agreements';
import { SubjectKeys } from '../subjects/subject-keys';
import { activeKeyCache, learnKeys, preparer, type Preparation, type PreparationBatch } from './preparation';

/** An intake thread (piscina): prepares batches of requests off the main thread, which keeps to HTTP and I/O. */
const subjectKeys = new SubjectKeys(Buffer.from(workerData.masterKey));
const activeKeys = activeKeyCache();
const prepare = preparer(loadAgreements(schemasDir), subjectKeys, Buffer.from(workerData.subjectHashKey), activeKeys);

export default function ({ requests, learnedKeys }: PreparationBatch): Preparation[] {
  learnKeys(activeKeys, subjectKeys, learnedKeys);
  return requests.map(prepare);
}
