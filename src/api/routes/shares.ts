import { Router, type Request } from 'express';
import { supplierIdPattern } from '../../agreements/agreements';
import { subjectHash } from '../../crypto/sealing';
import { type InputError, problems } from '../../problem';
import { listShares, verifyShareLog, type ShareFilter } from '../../shares/share-log';
import type { Database } from '../../store';
import { allow } from '../auth';

const maxPageSize = 1000;
const supplierId = new RegExp(supplierIdPattern);

export function sharesRouter(db: Database, subjectHashKey: Buffer): Router {
  const router = Router();
  router.use(allow('privacy'));

  router.get('/', async (req, res) => {
    const filter = parseFilter(req, subjectHashKey);
    // Reading the log is itself recorded: privacy staff can show who looked up whom.
    const { limit: _limit, afterSeq: _afterSeq, ...consulted } = filter;
    await db.query('insert into log_consultations (api_key_id, filter) values ($1, $2)', [req.apiKey!.id, JSON.stringify(consulted)]);
    const items = await listShares(db, filter);
    const nextCursor = items.length === filter.limit ? Buffer.from(String(items.at(-1)!.seq)).toString('base64url') : null;
    res.json({ items, nextCursor });
  });

  router.get('/verify', async (_req, res) => {
    res.json(await verifyShareLog(db));
  });

  return router;
}

function parseFilter(req: Request, subjectHashKey: Buffer): ShareFilter {
  const errors: InputError[] = [];
  const text = (name: string) => {
    const value = req.query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') errors.push({ pointer: `/query/${name}`, detail: 'must be given once, not empty' });
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const date = (name: string) => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime())) errors.push({ pointer: `/query/${name}`, detail: 'must be an ISO 8601 date or date-time' });
    return parsed;
  };
  const subject = text('subject');
  const cursor = text('cursor');
  const afterSeq = cursor === undefined ? undefined : Number(Buffer.from(cursor, 'base64url').toString());
  if (afterSeq !== undefined && !Number.isInteger(afterSeq)) errors.push({ pointer: '/query/cursor', detail: 'is not a cursor this API gave out' });
  const limit = Number(text('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) errors.push({ pointer: '/query/limit', detail: `must be an integer from 1 to ${maxPageSize}` });
  const supplier = text('supplier');
  // Checked like a transfer's supplier: text PostgreSQL cannot compare (a NUL) must be a 400, not a failed query.
  if (supplier !== undefined && !supplierId.test(supplier)) errors.push({ pointer: '/query/supplier', detail: 'is not a supplier id' });
  const filter: ShareFilter = {
    subjectHash: subject === undefined ? undefined : subjectHash(subjectHashKey, subject),
    supplier,
    since: date('since'),
    until: date('until'),
    afterSeq,
    limit,
  };
  if (errors.length) throw problems.badRequest('Some query parameters are invalid; see errors.', errors);
  return filter;
}
