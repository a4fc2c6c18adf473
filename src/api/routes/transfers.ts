import { Router, type Request } from 'express';
import { supplierIdPattern, type Agreement } from '../../agreements/agreements';
import type { GatewayMetrics } from '../../metrics';
import { problems } from '../../problem';
import type { DeliveryQueues } from '../../queue/queues';
import type { Database } from '../../store';
import { operationPattern } from '../../transfers/envelope';
import type { Intake } from '../../transfers/intake';
import {
  cancelTransfer,
  listTransfers,
  retryableStatuses,
  retryMatching,
  retryTransfer,
  transferStatuses,
  type Requester,
  type TransferCursor,
  type TransferFilter,
} from '../../transfers/operations';
import { findTransfer, transferView } from '../../transfers/transfer-store';
import { allow } from '../auth';
import { jsonText, parseJsonBody } from '../json-body';
import { cursorParameter, dateParameter, enumParameter, integerParameter, noQueryParameters, readQuery, readValue, textParameter, type QueryParameters } from '../query';
import { bodyAjv } from '../validators';

const maxPageSize = 1000;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const createdAtText = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d){0,2}$/;

/** The filters of the list and of a bulk retry: one definition, read from a query or from a body. */
export const transferFilterParameters = {
  status: enumParameter(transferStatuses),
  supplier: textParameter('a supplier id', { pattern: supplierIdPattern }),
  operation: textParameter('an operation, such as domain.register', { pattern: operationPattern }),
  errorCode: textParameter('an error code or its first segments, such as supplier.rejected', { pattern: '^[a-z_]{1,32}(\\.[a-z0-9_]{1,64}){0,4}$' }),
  since: dateParameter,
  until: dateParameter,
};

const transferCursor = cursorParameter(decodeCursor);

export const transferListQuery = {
  ...transferFilterParameters,
  limit: integerParameter(1, maxPageSize),
  cursor: transferCursor,
};

export const bulkRetrySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['filter'],
  properties: {
    // `{}` retries every failed and unknown transfer: the filter is required, so that this is asked for, never implied.
    filter: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...Object.fromEntries(Object.entries(transferFilterParameters).map(([name, parameter]) => [name, parameter.schema])),
        status: { enum: retryableStatuses },
      },
    },
    dryRun: { type: 'boolean', description: 'Count the matching transfers and change nothing.' },
    limit: { type: 'integer', minimum: 1, description: 'Retry at most this many of them, oldest first.' },
    cursor: { ...transferCursor.schema, description: "Go on after the last transfer an earlier call retried (its nextCursor): batches never take a transfer twice." },
  },
};

interface BulkRetryRequest {
  filter: Record<string, string>;
  dryRun?: boolean;
  limit?: number;
  cursor?: string;
}

const validateBulkRetry = bodyAjv.compile<BulkRetryRequest>(bulkRetrySchema);

export function transfersRouter(intake: Intake, db: Database, queues: DeliveryQueues, agreements: Map<string, Agreement>, metrics: GatewayMetrics): Router {
  const router = Router();

  router.post('/', allow('provisioning'), noQueryParameters, jsonText, async (req, res) => {
    const accepted = await intake.accept(req.apiKey!.id, req.get('idempotency-key'), typeof req.body === 'string' ? req.body : '');
    res.status(202).location(`/v1/transfers/${accepted.id}`).json(accepted);
  });

  router.get('/', allow('provisioning', 'ops'), async (req, res) => {
    const { limit, cursor, ...filter } = readQuery(req, transferListQuery);
    // A provisioning key sees only its own transfers.
    const apiKeyId = req.apiKey!.role === 'provisioning' ? req.apiKey!.id : undefined;
    const page = await listTransfers(db, { ...filter, apiKeyId }, limit ?? 100, cursor);
    res.json({ items: page.items.map(transferView), nextCursor: page.next && encodeCursor(page.next), counts: page.counts });
  });

  router.post('/retry', allow('ops'), noQueryParameters, jsonText, async (req, res) => {
    const body = parseJsonBody(typeof req.body === 'string' ? req.body : '', validateBulkRetry, 'a bulk retry');
    const after = body.cursor === undefined ? undefined : readValue(transferCursor, body.cursor);
    if (body.cursor !== undefined && !after) throw problems.invalid([{ pointer: '/cursor', detail: `must be ${transferCursor.expected}` }]);
    const outcome = await retryMatching(db, queues, requester(req), filterOf(body.filter), { dryRun: body.dryRun ?? false, limit: body.limit, after });
    res.json({ matched: outcome.matched, retried: outcome.retried, nextCursor: outcome.next && encodeCursor(outcome.next) });
  });

  router.get('/:id', allow('provisioning', 'ops'), noQueryParameters, async (req, res) => {
    const transfer = await findTransfer(db, String(req.params.id));
    // A provisioning key sees only its own transfers; others' look absent rather than forbidden.
    if (!transfer || (req.apiKey!.role === 'provisioning' && transfer.apiKeyId !== req.apiKey!.id)) throw problems.notFound('No transfer with that id.');
    res.json(transferView(transfer));
  });

  // Actions need no body: one sent is not read.
  router.post('/:id/retry', allow('ops'), noQueryParameters, async (req, res) => {
    res.json(transferView(await retryTransfer(db, queues, requester(req), String(req.params.id))));
  });

  router.post('/:id/cancel', allow('ops'), noQueryParameters, async (req, res) => {
    const cancelled = await cancelTransfer(db, queues, agreements, requester(req), String(req.params.id));
    metrics.shareLogged('transfer.cancelled');
    res.json(transferView(cancelled));
  });

  return router;
}

function requester(req: Request): Requester {
  return { apiKeyId: req.apiKey!.id, apiKeyName: req.apiKey!.name };
}

/** A bulk retry's filter, its text read as the list's query parameters read theirs (the schema has checked it). */
function filterOf(given: Record<string, string>): TransferFilter {
  const parameters: QueryParameters = transferFilterParameters;
  return Object.fromEntries(Object.entries(given).map(([name, text]) => [name, readValue(parameters[name], text)]));
}

function encodeCursor(cursor: TransferCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): TransferCursor | undefined {
  try {
    const [createdAt, id] = JSON.parse(text) as unknown[];
    return typeof createdAt === 'string' && createdAtText.test(createdAt) && typeof id === 'string' && uuid.test(id) ? { createdAt, id } : undefined;
  } catch {
    return undefined;
  }
}
