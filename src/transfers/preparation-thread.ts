import { workerData } from 'node:worker_threads';
import { loadAgreements, schemasDir } from '../agreements/agreements';
import { SubjectKeys } from '../subjects/subject-keys';
import { preparer, type Preparation, type PreparationRequest } from './preparation';

/** An intake thread (piscina): prepares batches of requests off the main thread, which keeps to HTTP and I/O. */
const prepare = preparer(loadAgreements(schemasDir), new SubjectKeys(Buffer.from(workerData.masterKey)), Buffer.from(workerData.subjectHashKey));

export default function (requests: PreparationRequest[]): Preparation[] {
  return requests.map(prepare);
}
