import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { subjectHash } from '../../crypto/sealing';
import { Problem, problems, schemaErrors, type InputError } from '../../problem';
import { processingRecord } from '../../shares/processing-record';
import type { CheckpointSigner } from '../../shares/checkpoints';
import { startErasure, type ErasureDependencies, type ErasureRequest } from '../../subjects/erasures';
import type { ApiKeyStore } from '../api-keys';
import { readerOf } from '../auth';
import { formFields, pageHeaders, pageLogin } from '../page-login';
import { noQueryParameters, readQuery, readValue, type QueryParameters, type QueryValues } from '../query';
import type { Readiness } from '../readiness';
import { consultStatement, validateErasureRequest } from '../routes/erasures';
import { consultShares, consultSharesCsv, shareFilter, shareQuery, subjectParameter, verifyAgainstLatestCheckpoint } from '../routes/shares';
import { consultDisclosures } from '../routes/subjects';
import { privacyPath, problemPage, stylesheet } from './layout';
import { recordPage, sharesPage, verifyPage, type ShareFilterFields } from './log-pages';
import { disclosuresPage, erasureFormPage, findPage, statementPage } from './subject-pages';

export const privacyCookie = 'sgw_privacy';

// The API's own parameters: the page takes the JSON list's, its CSV link the CSV's (every entry, not paged).
const { format: _format, ...sharePageQuery } = shareQuery;
const { limit: _limit, cursor: _cursor, ...shareCsvQuery } = sharePageQuery;
export { sharePageQuery, shareCsvQuery };
export const findQuery = { subject: subjectParameter };

/** What a person typed or asked for that cannot be: shown on the page, not as problem+json. */
const inputStatuses = new Set([400, 404, 409, 422]);

/**
 * A page that takes the query `parameters`: the HTML `answer` returns is sent (or it answers itself, a redirect
 * or a download); a problem with the input, in the query or thrown by `answer`, shows as the page `again`
 * renders (the form again, with the message) with the problem's status. Anything else goes on to the
 * gateway's error handler.
 */
const showing =
  <P extends QueryParameters>(
    parameters: P,
    answer: (query: QueryValues<P>, req: Request, res: Response) => Promise<string | void> | string,
    again: (problem: Problem, req: Request) => string,
  ): RequestHandler =>
  async (req, res) => {
    try {
      const markup = await answer(readQuery(req, parameters), req, res);
      if (markup !== undefined) res.type('html').send(markup);
    } catch (error) {
      if (!(error instanceof Problem) || !inputStatuses.has(error.status) || res.headersSent) throw error;
      res.status(error.status).type('html').send(again(error, req));
    }
  };

/** A form or query field as given, for the form shown again; a field given twice is none. */
const given = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const filterFields = (req: Request): ShareFilterFields => ({
  subject: given(req.query.subject),
  supplier: given(req.query.supplier),
  since: given(req.query.since),
  until: given(req.query.until),
});

/** The erasure form's fields, checked as the API checks its path and body: every bad one named at once (422). */
function erasureForm(body: Record<string, unknown> | undefined): { subject: string; request: ErasureRequest } {
  const subject = given(body?.subject);
  const request = { reference: body?.reference, reason: body?.reason };
  const errors: InputError[] = [];
  if (subject === undefined || readValue(subjectParameter, subject) === undefined) errors.push({ pointer: '/subject', detail: `must be ${subjectParameter.expected}` });
  if (!validateErasureRequest(request)) errors.push(...schemaErrors(validateErasureRequest.errors ?? [], 'an erasure request'));
  if (errors.length) throw problems.invalid(errors);
  return { subject: subject!, request: request as ErasureRequest };
}

/** The id of the erasure a 409 names as running. */
const runningErasure = (problem: Problem) => (problem.slug === 'erasure-running' ? problem.headers.location?.split('/').at(-1) : undefined);

function noStore(_req: Request, res: Response, next: NextFunction) {
  res.set('cache-control', 'no-store');
  next();
}

export interface PrivacyPageDependencies extends ErasureDependencies {
  subjectHashKey: Buffer;
  checkpointSigner: CheckpointSigner;
  /** `pageSessionKey(masterKey, 'privacy')`. */
  sessionKey: Buffer;
  keys: ApiKeyStore;
  readiness: Readiness;
}

/**
 * The privacy staff's pages, for the privacy and admin roles behind the login form (`pageLogin`): server-rendered,
 * no script, one stylesheet of their own. Each calls the service its API route calls, and records reads as it does.
 */
export function privacyPageRouter(deps: PrivacyPageDependencies): Router {
  const { db, agreements, subjectHashKey, checkpointSigner, sessionKey, keys, readiness } = deps;
  const login = pageLogin({ basePath: privacyPath, cookie: privacyCookie, roles: ['privacy'], title: 'privacy pages', landing: privacyPath, sessionKey, keys, readiness });
  const router = Router();
  router.use(login.routes);
  router.use(pageHeaders({ styleSrc: ["'self'"] }));
  router.get('/style.css', noQueryParameters, (_req, res) => {
    res.type('css').send(stylesheet);
  });
  router.use(...login.session, noStore);

  router.get(
    '/',
    showing(
      {},
      () => findPage(),
      (problem) => findPage({ problem }),
    ),
  );

  router.get(
    '/disclosures',
    showing(
      findQuery,
      async ({ subject }, req) => {
        if (subject === undefined) throw problems.badRequest('Give the id of the subject to find.', [{ pointer: '/query/subject', detail: 'is required' }]);
        return disclosuresPage(subject, await consultDisclosures(db, agreements, readerOf(req), subjectHash(subjectHashKey, subject)));
      },
      (problem, req) => findPage({ subject: given(req.query.subject), problem }),
    ),
  );

  router.post(
    '/erasures',
    login.postedHere,
    formFields,
    showing(
      {},
      async (_query, req, res) => {
        const { subject, request } = erasureForm(req.body);
        const id = await startErasure(deps, readerOf(req), subjectHash(subjectHashKey, subject), request);
        res.redirect(303, `${privacyPath}/erasures/${id}`);
      },
      (problem, req) => erasureFormPage(given(req.body?.subject) ?? '', { reference: given(req.body?.reference), reason: given(req.body?.reason) }, problem, runningErasure(problem)),
    ),
  );

  router.get(
    '/erasures/:id',
    showing(
      {},
      async (_query, req) => statementPage(await consultStatement(db, readerOf(req), String(req.params.id))),
      (problem) => problemPage('Erasure', problem),
    ),
  );

  router.get(
    '/shares',
    showing(
      sharePageQuery,
      async (query, req) => sharesPage(filterFields(req), await consultShares(db, readerOf(req), shareFilter(query, subjectHashKey))),
      (problem, req) => sharesPage(filterFields(req), undefined, problem),
    ),
  );

  router.get(
    '/shares.csv',
    showing(
      shareCsvQuery,
      (query, req, res) => consultSharesCsv(db, readerOf(req), shareFilter(query, subjectHashKey), res),
      (problem, req) => sharesPage(filterFields(req), undefined, problem),
    ),
  );

  router.get(
    '/verify',
    showing(
      {},
      async () => verifyPage(await verifyAgainstLatestCheckpoint(db, checkpointSigner), checkpointSigner.publicKey),
      (problem) => problemPage('Verify the shares log', problem),
    ),
  );

  router.get(
    '/record',
    showing(
      {},
      () => recordPage(processingRecord(agreements.values())),
      (problem) => problemPage('Record of processing activities', problem),
    ),
  );

  return router;
}
