import { Router } from 'express';
import { supplierIdPattern } from '../../agreements/agreements';
import { subjectHash } from '../../crypto/sealing';
import { recordConsultation } from '../../shares/consultations';
import { latestCheckpoint, type CheckpointSigner } from '../../shares/checkpoints';
import { listShares, type ShareFilter } from '../../shares/share-log';
import { verifyShareLog } from '../../shares/verification';
import type { Database } from '../../store';
import { subjectIdSchema } from '../../transfers/envelope';
import { problems } from '../../problem';
import { allow } from '../auth';
import { cursorParameter, dateParameter, integerParameter, noQueryParameters, readQuery, textParameter, type QueryValues } from '../query';

const maxPageSize = 1000;

export const shareQuery = {
  // The subject id as transfer requests give it: other text matches no entry and is a mistake to point out.
  subject: textParameter('a subject id (printable text, at most 200 characters)', subjectIdSchema),
  // Checked like a transfer's supplier: text PostgreSQL cannot compare (a NUL) must be a 400, not a failed query.
  supplier: textParameter('a supplier id', { pattern: supplierIdPattern }),
  since: dateParameter,
  until: dateParameter,
  limit: integerParameter(1, maxPageSize),
  // The last sequence number of the page before.
  cursor: cursorParameter((text) => (/^[1-9][0-9]{0,14}$/.test(text) ? Number(text) : undefined)),
};

export function sharesRouter(db: Database, subjectHashKey: Buffer, signer: CheckpointSigner): Router {
  const router = Router();
  router.use(allow('privacy'));

  router.get('/', async (req, res) => {
    const filter = shareFilter(readQuery(req, shareQuery), subjectHashKey);
    // Reading the log is itself recorded: privacy staff can show who looked up whom.
    const { limit: _limit, afterSeq: _afterSeq, ...consulted } = filter;
    await recordConsultation(db, { apiKeyId: req.apiKey!.id, apiKeyName: req.apiKey!.name }, 'shares', consulted);
    const items = await listShares(db, filter);
    const nextCursor = items.length === filter.limit ? Buffer.from(String(items.at(-1)!.seq)).toString('base64url') : null;
    res.json({ items, nextCursor });
  });

  router.get('/verify', noQueryParameters, async (_req, res) => {
    const checkpoint = await latestCheckpoint(db);
    res.json(await verifyShareLog(db, { anchor: checkpoint ? { checkpoint, publicKey: signer.publicKey } : undefined }));
  });

  router.get('/checkpoint', noQueryParameters, async (_req, res) => {
    const checkpoint = await latestCheckpoint(db);
    if (!checkpoint) throw problems.notFound('No head of the shares log has been signed yet: POST /v1/shares/checkpoint signs one.');
    res.json(checkpoint);
  });

  router.post('/checkpoint', noQueryParameters, async (_req, res) => {
    const checkpoint = await signer.signHead(db);
    if (!checkpoint) throw problems.conflict('log-empty', 'Shares log empty', 'The shares log has no entries yet: there is no head to sign.');
    res.json(checkpoint);
  });

  return router;
}

function shareFilter({ subject, supplier, since, until, limit, cursor }: QueryValues<typeof shareQuery>, subjectHashKey: Buffer): ShareFilter {
  return { subjectHash: subject === undefined ? undefined : subjectHash(subjectHashKey, subject), supplier, since, until, afterSeq: cursor, limit: limit ?? 100 };
}
