import { Router } from 'express';
import { supplierIdPattern } from '../../agreements/agreements';
import { subjectHash } from '../../crypto/sealing';
import { problems } from '../../problem';
import { latestCheckpoint, type CheckpointSigner } from '../../shares/checkpoints';
import { recordConsultation } from '../../shares/consultations';
import { eachShare, listShares, type ShareFilter } from '../../shares/share-log';
import { writeSharesCsv } from '../../shares/shares-csv';
import { verifyShareLog } from '../../shares/verification';
import type { Database } from '../../store';
import { subjectIdSchema } from '../../transfers/envelope';
import { allow } from '../auth';
import { dateParameter, enumParameter, integerParameter, noQueryParameters, readQuery, sequenceCursor, textParameter, type QueryValues } from '../query';

const maxPageSize = 1000;

// The subject id as transfer requests give it: other text matches no entry and is a mistake to point out.
export const subjectParameter = textParameter('a subject id (printable text, at most 200 characters)', subjectIdSchema);

export const shareQuery = {
  subject: subjectParameter,
  // Checked like a transfer's supplier: text PostgreSQL cannot compare (a NUL) must be a 400, not a failed query.
  supplier: textParameter('a supplier id', { pattern: supplierIdPattern }),
  since: dateParameter,
  until: dateParameter,
  limit: integerParameter(1, maxPageSize),
  cursor: sequenceCursor,
  // CSV also answers `Accept: text/csv`; the parameter is for links and browsers, which cannot set Accept.
  format: enumParameter(['json', 'csv']),
};

export function sharesRouter(db: Database, subjectHashKey: Buffer, signer: CheckpointSigner): Router {
  const router = Router();
  router.use(allow('privacy'));

  router.get('/', async (req, res) => {
    const query = readQuery(req, shareQuery);
    const csv = (query.format ?? (req.accepts(['application/json', 'text/csv']) === 'text/csv' ? 'csv' : 'json')) === 'csv';
    if (csv) refusePaging(query);
    const filter = shareFilter(query, subjectHashKey);
    // Reading the log is itself recorded: privacy staff can show who looked up whom.
    const { limit: _limit, afterSeq: _afterSeq, ...consulted } = filter;
    await recordConsultation(db, { apiKeyId: req.apiKey!.id, apiKeyName: req.apiKey!.name }, 'shares', consulted);
    if (csv) {
      res.attachment('shares.csv');
      // A client that leaves mid-stream only ends the read early.
      return writeSharesCsv(eachShare(db, consulted), res).catch((error: { code?: string }) => {
        if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
      });
    }
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

/** CSV streams every entry the filters match: pages are the JSON answer's. */
function refusePaging(query: QueryValues<typeof shareQuery>): void {
  const paging = (['limit', 'cursor'] as const).filter((name) => query[name] !== undefined);
  if (paging.length) {
    throw problems.badRequest(
      'CSV holds every entry the filters match: limit and cursor page the JSON answer only.',
      paging.map((name) => ({ pointer: `/query/${name}`, detail: 'is not taken with CSV, which is not paged' })),
    );
  }
}

function shareFilter({ subject, supplier, since, until, limit, cursor }: QueryValues<typeof shareQuery>, subjectHashKey: Buffer): ShareFilter {
  return { subjectHash: subject === undefined ? undefined : subjectHash(subjectHashKey, subject), supplier, since, until, afterSeq: cursor, limit: limit ?? 100 };
}
