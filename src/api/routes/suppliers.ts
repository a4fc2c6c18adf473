import { Router } from 'express';
import type { Agreement } from '../../agreements/agreements';
import { problems } from '../../problem';
import type { DeliveryQueues } from '../../queue/queues';
import { allow } from '../auth';
import { noQueryParameters } from '../query';

/** A supplier as the suppliers file configures it, with its connector's name and its agreement. */
export interface ConfiguredSupplier {
  id: string;
  connector: string;
  displayName: string;
  agreement: Agreement;
}

/** Ops' view of the suppliers: queue state and breaker, and pausing a supplier's deliveries. */
export function suppliersRouter(suppliers: ConfiguredSupplier[], queues: DeliveryQueues): Router {
  const router = Router();
  router.use(allow('ops'));

  const view = async (supplier: ConfiguredSupplier) => {
    const [{ paused, counts }, breakers] = await Promise.all([queues.state(supplier.id), queues.breakerStates([supplier.id])]);
    return {
      id: supplier.id,
      connector: supplier.connector,
      displayName: supplier.displayName,
      paused,
      breaker: breakers.get(supplier.id)!,
      counts,
      agreement: { reference: supplier.agreement.agreementReference, validUntil: supplier.agreement.validUntil },
    };
  };

  const find = (id: string) => {
    const supplier = suppliers.find((candidate) => candidate.id === id);
    if (!supplier) throw problems.notFound('No supplier with that id is configured.');
    return supplier;
  };

  router.get('/', noQueryParameters, async (_req, res) => {
    res.json({ items: await Promise.all(suppliers.map(view)) });
  });

  router.get('/:id', noQueryParameters, async (req, res) => {
    res.json(await view(find(String(req.params.id))));
  });

  // Pausing holds the supplier's jobs in every worker process; intake goes on accepting and queuing. No body needed.
  router.post('/:id/pause', noQueryParameters, async (req, res) => {
    const supplier = find(String(req.params.id));
    await queues.pause(supplier.id);
    res.json(await view(supplier));
  });

  router.post('/:id/resume', noQueryParameters, async (req, res) => {
    const supplier = find(String(req.params.id));
    await queues.resume(supplier.id);
    res.json(await view(supplier));
  });

  return router;
}
