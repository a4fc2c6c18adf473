import { Router, type Response } from 'express';
import { supplierIdPattern } from '../../agreements/agreements';
import { subjectHash } from '../../crypto/sealing';
import { problems } from '../../problem';
import { latestCheckpoint, type Checkpoint, type CheckpointSigner } from '../../shares/checkpoints';
import { recordConsultation, type Reader } from '../../shares/consultations';
import { eachShare, listShares, type LoggedShare, type ShareFilter } from '../../shares/share-log';
import { writeSharesCsv } from '../../shares/shares-csv';
import { verifyShareLog, type Verification } from '../../shares/verification';
import type { Database } from '../../store';
import { subjectIdSchema } from '../../transfers/envelope';
import { allow, readerOf } from '../auth';
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
    if (csv) {
      refusePaging(query);
      return consultSharesCsv(db, readerOf(req), shareFilter(query, subjectHashKey), res);
    }
    res.json(await consultShares(db, readerOf(req), shareFilter(query, subjectHashKey)));
  });

  router.get('/verify', noQueryParameters, async (_req, res) => {
    res.json((await verifyAgainstLatestCheckpoint(db, signer)).verification);
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

/** The log verified against its latest signed head, trusted under our own key, and that head: for the API and the privacy page. */
export async function verifyAgainstLatestCheckpoint(db: Database, signer: CheckpointSigner): Promise<{ verification: Verification; checkpoint: Checkpoint | null }> {
  const checkpoint = await latestCheckpoint(db);
  return { verification: await verifyShareLog(db, { anchor: checkpoint ? { checkpoint, publicKey: signer.publicKey } : undefined }), checkpoint };
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

/** A page of the log's entries, the read recorded (privacy staff can show who looked up whom): for the API and the privacy page. */
export async function consultShares(db: Database, reader: Reader, filter: ShareFilter): Promise<{ items: LoggedShare[]; nextCursor: string | null }> {
  const { limit: _limit, afterSeq: _afterSeq, ...consulted } = filter;
  await recordConsultation(db, reader, 'shares', consulted);
  const items = await listShares(db, filter);
  return { items, nextCursor: items.length === filter.limit ? Buffer.from(String(items.at(-1)!.seq)).toString('base64url') : null };
}

/** Every entry the filter matches, streamed to `res` as a CSV attachment, the read recorded. */
export async function consultSharesCsv(db: Database, reader: Reader, { limit: _limit, afterSeq: _afterSeq, ...filter }: ShareFilter, res: Response): Promise<void> {
  await recordConsultation(db, reader, 'shares', filter);
  res.attachment('shares.csv');
  // A client that leaves mid-stream only ends the read early.
  await writeSharesCsv(eachShare(db, filter), res).catch((error: { code?: string }) => {
    if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  });
}

export function shareFilter({ subject, supplier, since, until, limit, cursor }: QueryValues<typeof shareQuery>, subjectHashKey: Buffer): ShareFilter {
  return { subjectHash: subject === undefined ? undefined : subjectHash(subjectHashKey, subject), supplier, since, until, afterSeq: cursor, limit: limit ?? 100 };
}
