import { Router, type Request } from 'express';
import type { Agreement } from '../../agreements/agreements';
import { subjectHash } from '../../crypto/sealing';
import { problems } from '../../problem';
import { recordConsultation, type Reader } from '../../shares/consultations';
import { subjectDisclosures, type SubjectDisclosures } from '../../shares/disclosures';
import type { Database } from '../../store';
import { subjectExport } from '../../subjects/export';
import { allow, allowOnly, readerOf } from '../auth';
import { noQueryParameters, readValue } from '../query';
import { subjectParameter } from './shares';

export interface SubjectsDependencies {
  db: Database;
  agreements: Map<string, Agreement>;
  masterKey: Buffer;
  subjectHashKey: Buffer;
}

/** What privacy staff answer a customer's access request with (GDPR Art. 15); each read is recorded, the subject hashed. */
export function subjectsRouter({ db, agreements, masterKey, subjectHashKey }: SubjectsDependencies): Router {
  const router = Router();

  router.get('/:subjectId/disclosures', allow('privacy'), noQueryParameters, async (req, res) => {
    res.json(await consultDisclosures(db, agreements, readerOf(req), subjectHashOf(req, subjectHashKey)));
  });

  // The one route that answers with personal values: privacy staff only, admin keys included.
  router.get('/:subjectId/export', allowOnly('privacy'), noQueryParameters, async (req, res) => {
    const hashed = subjectHashOf(req, subjectHashKey);
    await recordConsultation(db, readerOf(req), 'export', { subjectHash: hashed });
    const copy = await subjectExport(db, masterKey, hashed);
    res.set('cache-control', 'no-store').json(copy);
  });

  return router;
}

/** A subject's disclosures, the read recorded: for the API and the privacy page. */
export async function consultDisclosures(db: Database, agreements: Map<string, Agreement>, reader: Reader, subjectHash: string): Promise<SubjectDisclosures> {
  await recordConsultation(db, reader, 'disclosures', { subjectHash });
  return subjectDisclosures(db, subjectHash, agreements);
}

/** The subject id of the path (`:subjectId`), checked as transfer requests check it, as its keyed hash. */
export function subjectHashOf(req: Request, subjectHashKey: Buffer): string {
  const subjectId = readValue(subjectParameter, String(req.params.subjectId));
  if (subjectId === undefined) throw problems.badRequest('The subject id is invalid.', [{ pointer: '/path/subjectId', detail: `must be ${subjectParameter.expected}` }]);
  return subjectHash(subjectHashKey, subjectId);
}
