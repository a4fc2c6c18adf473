import { Router } from 'express';
import { consultedResources, listConsultations } from '../../shares/consultations';
import type { Database } from '../../store';
import { allow } from '../auth';
import { dateParameter, enumParameter, integerParameter, readQuery, sequenceCursor } from '../query';

const maxPageSize = 1000;

export const consultationQuery = {
  resource: enumParameter(consultedResources),
  since: dateParameter,
  until: dateParameter,
  limit: integerParameter(1, maxPageSize),
  cursor: sequenceCursor,
};

/** Who read what was shared about people, newest first: for admins, who answer for the privacy staff's reads. */
export function consultationsRouter(db: Database): Router {
  const router = Router();
  router.use(allow());

  router.get('/', async (req, res) => {
    const { resource, since, until, limit = 100, cursor } = readQuery(req, consultationQuery);
    const items = await listConsultations(db, { resource, since, until, beforeId: cursor, limit });
    const nextCursor = items.length === limit ? Buffer.from(String(items.at(-1)!.id)).toString('base64url') : null;
    res.json({ items, nextCursor });
  });

  return router;
}
