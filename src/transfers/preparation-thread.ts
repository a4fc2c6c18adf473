import { workerData } from 'node:worker_threads';
import { loadAgreements, schemasDir } from '../agreements/agreements';
import { SubjectKeys } from '../subjects/subject-keys';
import { preparer } from './preparation';

/** An intake thread (piscina): prepares requests off the main thread, which keeps to HTTP and I/O. */
const prepare = preparer(loadAgreements(schemasDir), new SubjectKeys(Buffer.from(workerData.masterKey)), Buffer.from(workerData.subjectHashKey));

export default function ({ apiKeyId, idempotencyKey, body }: { apiKeyId: string; idempotencyKey: string; body: unknown }) {
  return prepare(apiKeyId, idempotencyKey, body);
}
