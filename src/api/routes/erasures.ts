import { Router } from 'express';
import { problems } from '../../problem';
import { recordConsultation, type Reader } from '../../shares/consultations';
import type { Queryable } from '../../store';
import { readErasureStatement, type ErasureStatement } from '../../subjects/erasure-statement';
import { erasureReasons, startErasure, type ErasureDependencies, type ErasureRequest } from '../../subjects/erasures';
import { referenceSchema } from '../../transfers/envelope';
import { allow, readerOf } from '../auth';
import { jsonText, parseJsonBody } from '../json-body';
import { noQueryParameters } from '../query';
import { bodyAjv } from '../validators';
import { subjectHashOf } from './subjects';

export const erasureRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reference', 'reason'],
  properties: {
    reference: { ...referenceSchema, description: "The subject's request as you file it (a ticket or letter reference); recorded in the shares log." },
    reason: { enum: erasureReasons, description: 'The ground of GDPR Art. 17(1), (a) to (f), the subject invokes.' },
  },
};

export const validateErasureRequest = bodyAjv.compile<ErasureRequest>(erasureRequestSchema);

/** Erasure (GDPR Art. 17 and 19): start one for a subject, and read its outcome statement. Mounted at /v1. */
export function erasuresRouter(deps: ErasureDependencies & { subjectHashKey: Buffer }): Router {
  const router = Router();

  router.post('/subjects/:subjectId/erasure', allow('privacy'), noQueryParameters, jsonText, async (req, res) => {
    const hashed = subjectHashOf(req, deps.subjectHashKey);
    const request = parseJsonBody(typeof req.body === 'string' ? req.body : '', validateErasureRequest, 'an erasure request');
    const id = await startErasure(deps, readerOf(req), hashed, request);
    res.status(202).location(`/v1/erasures/${id}`).json(await consultStatement(deps.db, readerOf(req), id));
  });

  router.get('/erasures/:id', allow('privacy'), noQueryParameters, async (req, res) => {
    res.json(await consultStatement(deps.db, readerOf(req), String(req.params.id)));
  });

  return router;
}

/** The statement, its read recorded: whoever sees what was shared about a subject, and erased, is on record. */
export async function consultStatement(db: Queryable, reader: Reader, id: string): Promise<ErasureStatement> {
  const statement = await readErasureStatement(db, id);
  if (!statement) throw problems.notFound('No erasure with that id.');
  await recordConsultation(db, reader, 'erasure', { erasureId: id });
  return statement;
}
