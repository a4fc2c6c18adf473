import { Router } from 'express';
import type { Agreement } from '../../agreements/agreements';
import { processingRecord } from '../../shares/processing-record';
import { allow } from '../auth';
import { noQueryParameters } from '../query';

/** The GDPR Art. 30 record of what the gateway does with personal data, from the configured suppliers' agreements. */
export function processingRecordRouter(agreements: Map<string, Agreement>): Router {
  const router = Router();
  router.get('/', allow('privacy'), noQueryParameters, (_req, res) => {
    res.json(processingRecord(agreements.values()));
  });
  return router;
}
