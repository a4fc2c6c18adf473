import { Router } from 'express';
import { problems } from '../../problem';
import type { Database } from '../../store';
import type { Intake } from '../../transfers/intake';
import { findTransfer, transferView } from '../../transfers/transfer-store';
import { allow } from '../auth';
import { jsonText } from '../json-body';
import { noQueryParameters } from '../query';

export function transfersRouter(intake: Intake, db: Database): Router {
  const router = Router();

  router.post('/', allow('provisioning'), noQueryParameters, jsonText, async (req, res) => {
    const accepted = await intake.accept(req.apiKey!.id, req.get('idempotency-key'), typeof req.body === 'string' ? req.body : '');
    res.status(202).location(`/v1/transfers/${accepted.id}`).json(accepted);
  });

  router.get('/:id', allow('provisioning', 'ops'), noQueryParameters, async (req, res) => {
    const transfer = await findTransfer(db, String(req.params.id));
    // A provisioning key sees only its own transfers; others' look absent rather than forbidden.
    if (!transfer || (req.apiKey!.role === 'provisioning' && transfer.apiKeyId !== req.apiKey!.id)) throw problems.notFound('No transfer with that id.');
    res.json(transferView(transfer));
  });

  return router;
}
