import type { Agreement } from '../agreements/agreements';
import { checkpointSchema } from '../shares/checkpoints';
import { envelopeSchema } from '../transfers/envelope';
import { transferStatuses } from '../transfers/operations';
import type { ApiRole } from './api-keys';
import { privacySchemas } from './openapi-privacy';
import { dateTime, nullable, ref, strings, type Schema } from './openapi-schemas';
import type { QueryParameters } from './query';
import { consultationQuery } from './routes/consultations';
import { erasureRequestSchema } from './routes/erasures';
import { findQuery, shareCsvQuery, sharePageQuery } from './privacy-page/router';
import { shareQuery, subjectParameter } from './routes/shares';
import { bulkRetrySchema, transferListQuery } from './routes/transfers';

/**
 * The OpenAPI 3.1 document of the whole API. Request parts come from the very schemas and query parameters the
 * routes validate with, and each supplier's agreed payload schema from its agreement, so the document cannot
 * drift from what is enforced; the tests check every response against the schemas below and every route the
 * app serves against `routes`.
 */


const schemas: Record<string, Schema> = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details; never echoes personal data.',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string', format: 'uri' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      errors: { type: 'array', items: { type: 'object', required: ['pointer', 'detail'], properties: { pointer: { type: 'string' }, detail: { type: 'string' } } } },
    },
  },
  TransferAccepted: {
    type: 'object',
    required: ['id', 'status', 'supplier', 'operation', 'fieldsShared', 'fieldsWithheld'],
    properties: { id: { type: 'string', format: 'uuid' }, status: { const: 'queued' }, supplier: { type: 'string' }, operation: { type: 'string' }, fieldsShared: strings, fieldsWithheld: strings },
  },
  Transfer: {
    type: 'object',
    description: 'A transfer as ops see it: no personal value.',
    additionalProperties: false,
    required: ['id', 'status', 'supplier', 'operation', 'attempts', 'nextAttemptAt', 'lastError', 'supplierReference', 'fieldsShared', 'fieldsWithheld', 'createdAt', 'updatedAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      status: { enum: transferStatuses },
      supplier: { type: 'string' },
      operation: { type: 'string' },
      attempts: { type: 'integer', minimum: 0, description: 'Every attempt, lookups included.' },
      nextAttemptAt: nullable({ ...dateTime, description: 'When the next attempt is due, while one is scheduled.' }),
      lastError: nullable({
        type: 'object',
        additionalProperties: false,
        required: ['code', 'detail', 'at'],
        properties: {
          code: { type: 'string', description: 'supplier.rejected.*, supplier.contract.*, supplier.unavailable.*, supplier.rate_limited, supplier.untrusted_tls, delivery.outcome_unknown or gateway.* (README, "Error codes").' },
          detail: { type: 'string' },
          at: nullable(dateTime),
        },
      }),
      supplierReference: nullable({ type: 'string' }),
      fieldsShared: strings,
      fieldsWithheld: strings,
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  TransferList: {
    type: 'object',
    required: ['items', 'nextCursor', 'counts'],
    properties: {
      items: { type: 'array', items: ref('Transfer') },
      nextCursor: nullable({ type: 'string' }),
      counts: { type: 'object', description: 'Per status, the transfers matching every filter but status.', propertyNames: { enum: transferStatuses }, additionalProperties: { type: 'integer' } },
    },
  },
  BulkRetryResult: {
    type: 'object',
    additionalProperties: false,
    required: ['matched', 'retried', 'nextCursor'],
    properties: { matched: { type: 'integer', minimum: 0 }, retried: { type: 'integer', minimum: 0 }, nextCursor: nullable({ type: 'string', description: 'Where a next batch goes on (request field cursor).' }) },
  },
  Supplier: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'connector', 'displayName', 'paused', 'breaker', 'counts', 'agreement'],
    properties: {
      id: { type: 'string' },
      connector: { type: 'string' },
      displayName: { type: 'string' },
      paused: { type: 'boolean' },
      breaker: { enum: ['closed', 'open', 'half_open'] },
      counts: {
        type: 'object',
        additionalProperties: false,
        required: ['waiting', 'active', 'delayed', 'failed'],
        properties: { waiting: { type: 'integer' }, active: { type: 'integer' }, delayed: { type: 'integer' }, failed: { type: 'integer' } },
      },
      agreement: { type: 'object', required: ['reference', 'validUntil'], properties: { reference: { type: 'string' }, validUntil: { type: 'string', format: 'date' } } },
    },
  },
  SupplierList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Supplier') } } },
  ShareEntry: {
    type: 'object',
    description: 'A shares-log entry (docs/shares-log.md): field names, categories, digests and a keyed subject hash, never a personal value.',
    required: ['seq', 'hash', 'v', 'at', 'event'],
    properties: { seq: { type: 'integer', minimum: 1 }, hash: { type: 'string' }, v: { const: 1 }, at: dateTime, event: { type: 'string' } },
  },
  ShareList: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: ref('ShareEntry') }, nextCursor: nullable({ type: 'string' }) } },
  Verification: {
    type: 'object',
    required: ['ok', 'entries', 'head', 'firstBadSeq', 'checkpoint', 'problem'],
    properties: {
      ok: { type: 'boolean' },
      entries: { type: 'integer' },
      head: nullable({ type: 'object', required: ['seq', 'hash'], properties: { seq: { type: 'integer' }, hash: { type: 'string' } } }),
      firstBadSeq: nullable({ type: 'integer', description: 'The first entry found bad; null when intact, or when the checkpoint itself is not signed by SGW_LOG_SIGNING_KEY.' }),
      checkpoint: nullable({ type: 'object', required: ['seq', 'signedAt'], properties: { seq: { type: 'integer' }, signedAt: dateTime }, description: 'The latest signed head, which the log was held against.' }),
      problem: nullable({ type: 'string', description: 'What is wrong; null when intact.' }),
    },
  },
  ErasureStatement: {
    type: 'object',
    description: 'What the subject is told: what was erased here, what stays here and why, and what each recipient did. Filled in as the supplier step goes on; no personal value.',
    additionalProperties: false,
    required: ['id', 'status', 'reference', 'reason', 'requestedAt', 'completedAt', 'erasedLocally', 'retainedLocally', 'recipients'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      status: { enum: ['running', 'completed'], description: 'running until every recipient has answered or failed; meanwhile the subject\'s transfers are refused (409).' },
      reference: { type: 'string' },
      reason: { type: 'string' },
      requestedAt: dateTime,
      completedAt: nullable(dateTime),
      erasedLocally: {
        type: 'object',
        additionalProperties: false,
        required: ['payloadsErased', 'transfersCancelled', 'detail'],
        properties: {
          payloadsErased: { type: 'integer', minimum: 0, description: 'Transfers whose data key was destroyed: their sealed payload can no longer be opened.' },
          transfersCancelled: { type: 'integer', minimum: 0, description: 'Of those, the ones not yet delivered: cancelled, never to be sent.' },
          detail: { type: 'string' },
        },
      },
      retainedLocally: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['record', 'description', 'holdsPersonalValues', 'count', 'legalGround', 'keepUntil', 'keptFor'],
          properties: {
            record: { type: 'string' },
            description: { type: 'string' },
            holdsPersonalValues: { type: 'boolean' },
            count: { type: 'integer', minimum: 0 },
            legalGround: { type: 'string' },
            keepUntil: nullable({ type: 'string', format: 'date', description: 'null: no fixed date; keptFor says how long.' }),
            keptFor: { type: 'string' },
          },
        },
      },
      recipients: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['supplier', 'recipient', 'status', 'reason', 'attempts', 'updatedAt', 'records'],
          properties: {
            supplier: { type: 'string' },
            recipient: { type: 'string', description: "The supplier's legal name." },
            status: { enum: ['queued', 'asking', 'sent', 'completed', 'retained', 'not_found', 'failed'] },
            reason: { type: 'string', description: "Why, in words; for retained, the supplier's reason for keeping the data." },
            attempts: { type: 'integer', minimum: 0 },
            updatedAt: dateTime,
            records: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['transferId', 'status', 'reason'],
                properties: { transferId: { type: 'string', format: 'uuid' }, status: { enum: ['completed', 'retained', 'not_found'] }, reason: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
  ...privacySchemas,
  Checkpoint: { ...checkpointSchema, description: 'A signed head of the shares log (docs/shares-log.md, "Checkpoints"): keep it elsewhere, and verify against it with sgw shares verify --checkpoint.' },
  Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
  Readiness: {
    type: 'object',
    required: ['ready', 'redis', 'database'],
    properties: { ready: { type: 'boolean' }, redis: { type: 'boolean' }, database: { type: 'boolean' } },
  },
};

interface Answer {
  description: string;
  schema?: Schema;
  /** Default application/json. */
  type?: string;
  /** The same answer in other media types, by content negotiation. */
  alternatives?: Record<string, Schema>;
}

export interface RouteDocument {
  method: 'get' | 'post';
  /** In OpenAPI's form: /v1/transfers/{id}. */
  path: string;
  summary: string;
  /** The roles that may call it besides admin; `public` needs no key. */
  roles: ApiRole[] | 'public';
  /** Admin may not call it either (it answers with personal data). */
  withoutAdmin?: true;
  query?: QueryParameters;
  body?: Schema;
  /** The body's media type, when it is not JSON (a page's form). */
  bodyType?: 'application/x-www-form-urlencoded';
  answers: Record<number, Answer>;
}

const json = (name: string, description: string): Answer => ({ description, schema: ref(name) });
const idParameter = (what: string) => ({ name: 'id', in: 'path', required: true, description: `The ${what}'s id.`, schema: { type: 'string' } });

/** Every route the app serves, with who may call it. */
export const routes: RouteDocument[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness', roles: 'public', answers: { 200: json('Health', 'The process runs.') } },
  { method: 'get', path: '/readyz', summary: 'Readiness: Redis and the database answer', roles: 'public', answers: { 200: json('Readiness', 'Ready.'), 503: json('Readiness', 'Redis or the database is down.') } },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (README, "Metrics"); open on the loopback listener, or Bearer SGW_METRICS_TOKEN when it is set',
    roles: 'public',
    answers: { 200: { description: 'Prometheus text format 0.0.4.', type: 'text/plain', schema: { type: 'string' } } },
  },
  { method: 'get', path: '/openapi.json', summary: 'This document', roles: 'public', answers: { 200: { description: 'OpenAPI 3.1.', schema: { type: 'object' } } } },
  {
    method: 'post',
    path: '/v1/transfers',
    summary: 'Ask for a transfer; retried safely with the same Idempotency-Key',
    roles: ['provisioning'],
    body: { ...envelopeSchema, properties: { ...envelopeSchema.properties, data: { type: 'object', description: "Validated against the supplier's agreed schema for the operation (components.schemas named supplier.operation); fields it does not allow are withheld." } } },
    answers: { 202: json('TransferAccepted', 'Accepted and queued (or the original answer, for a repeated Idempotency-Key).') },
  },
  { method: 'get', path: '/v1/transfers', summary: 'Find transfers, newest first (a provisioning key sees only its own)', roles: ['provisioning', 'ops'], query: transferListQuery, answers: { 200: json('TransferList', 'One page.') } },
  { method: 'post', path: '/v1/transfers/retry', summary: 'Retry every failed or unknown transfer a filter matches', roles: ['ops'], body: bulkRetrySchema, answers: { 200: json('BulkRetryResult', 'How many matched, and how many were put back on their queue.') } },
  { method: 'get', path: '/v1/transfers/{id}', summary: 'One transfer (a provisioning key sees only its own)', roles: ['provisioning', 'ops'], answers: { 200: json('Transfer', 'The transfer.') } },
  { method: 'post', path: '/v1/transfers/{id}/retry', summary: 'Retry a failed or unknown transfer (looked up at the supplier first); no body', roles: ['ops'], answers: { 200: json('Transfer', 'Queued again.') } },
  { method: 'post', path: '/v1/transfers/{id}/cancel', summary: 'Cancel a queued or failed transfer; its payload is destroyed; no body', roles: ['ops'], answers: { 200: json('Transfer', 'Cancelled.') } },
  { method: 'get', path: '/v1/suppliers', summary: 'Suppliers: queue counts, pause, breaker, agreement', roles: ['ops'], answers: { 200: json('SupplierList', 'Every configured supplier.') } },
  { method: 'get', path: '/v1/suppliers/{id}', summary: 'One supplier', roles: ['ops'], answers: { 200: json('Supplier', 'The supplier.') } },
  { method: 'post', path: '/v1/suppliers/{id}/pause', summary: "Pause the supplier's deliveries; intake goes on queuing; no body", roles: ['ops'], answers: { 200: json('Supplier', 'Paused.') } },
  { method: 'post', path: '/v1/suppliers/{id}/resume', summary: "Resume the supplier's deliveries; no body", roles: ['ops'], answers: { 200: json('Supplier', 'Resumed.') } },
  {
    method: 'get',
    path: '/v1/shares',
    summary: 'The shares log, filtered; as CSV with Accept: text/csv or format=csv (every matching entry, streamed, not paged); every read is recorded',
    roles: ['privacy'],
    query: shareQuery,
    answers: { 200: { ...json('ShareList', 'One page, oldest first; or CSV, RFC 4180, with a header line.'), alternatives: { 'text/csv': { type: 'string' } } } },
  },
  {
    method: 'get',
    path: '/v1/subjects/{subjectId}/disclosures',
    summary: 'Every share of the subject, by recipient (GDPR Art. 15(1)(c)); every read is recorded',
    roles: ['privacy'],
    answers: { 200: json('Disclosures', 'By recipient, in the order they first received data.') },
  },
  {
    method: 'get',
    path: '/v1/subjects/{subjectId}/export',
    summary: 'The values sent about the subject, per transfer not erased (GDPR Art. 15(3)); privacy keys only, not admin; every read is recorded',
    roles: ['privacy'],
    withoutAdmin: true,
    answers: { 200: json('SubjectExport', 'Oldest first.') },
  },
  { method: 'get', path: '/v1/consultations', summary: 'Who read the shares log, disclosures, exports and erasure statements, newest first', roles: [], query: consultationQuery, answers: { 200: json('ConsultationList', 'One page.') } },
  { method: 'get', path: '/v1/record-of-processing', summary: 'The GDPR Art. 30(1) record, from the agreements', roles: ['privacy'], answers: { 200: json('ProcessingRecord', 'One activity per configured supplier.') } },
  { method: 'get', path: '/admin/login', summary: 'The dashboard login form', roles: 'public', answers: { 200: { description: 'A form that takes an ops or admin API key.', type: 'text/html', schema: { type: 'string' } } } },
  {
    method: 'post',
    path: '/admin/login',
    summary: 'Log in to the dashboard: sets an HttpOnly, SameSite=Strict session cookie',
    roles: 'public',
    answers: { 303: { description: 'To the board, with the session cookie; 401 (the form again) for a wrong key, 403 for another role.', type: 'text/html', schema: { type: 'string' } } },
  },
  { method: 'get', path: '/admin/logout', summary: 'Log out of the dashboard', roles: 'public', answers: { 303: { description: 'To the login form, the cookie cleared.', type: 'text/html', schema: { type: 'string' } } } },
  {
    method: 'get',
    path: '/admin/queues',
    summary: 'Bull Board, read-only (its pages and API live under this path): session cookie or Bearer key',
    roles: ['ops'],
    answers: { 200: { description: 'The board; without a session a browser is sent to /admin/login, anything else gets 401.', type: 'text/html', schema: { type: 'string' } } },
  },
  {
    method: 'post',
    path: '/v1/subjects/{subjectId}/erasure',
    summary: "Erase a subject: its data keys destroyed and pending transfers cancelled before the answer, then every supplier that received its data asked; 409 with the running one's Location while one runs",
    roles: ['privacy'],
    body: erasureRequestSchema,
    answers: { 202: json('ErasureStatement', 'Started: the local step is done; Location names the statement.') },
  },
  { method: 'get', path: '/v1/erasures/{id}', summary: "An erasure's outcome statement; every read is recorded", roles: ['privacy'], answers: { 200: json('ErasureStatement', 'The statement so far.') } },
  { method: 'get', path: '/v1/shares/verify', summary: "Verify the shares log's hash chain, then its latest signed checkpoint", roles: ['privacy'], answers: { 200: json('Verification', 'The outcome.') } },
  { method: 'get', path: '/v1/shares/checkpoint', summary: 'The latest signed head of the shares log, with the public key, for keeping elsewhere', roles: ['privacy'], answers: { 200: json('Checkpoint', 'The checkpoint; 404 before the first.') } },
  {
    method: 'post',
    path: '/v1/shares/checkpoint',
    summary: 'Sign the current head of the shares log now (a head already signed answers its checkpoint); no body',
    roles: ['privacy'],
    answers: { 200: json('Checkpoint', "The current head's checkpoint; 409 for an empty log, or one altered since the last checkpoint.") },
  },
  ...privacyPages(),
];

/** The privacy staff's pages (README, "The privacy page"): HTML; bad input shows the page again with the message, with its 4xx status. */
function privacyPages(): RouteDocument[] {
  const page = (description: string): Answer => ({ description, type: 'text/html', schema: { type: 'string' } });
  return [
    { method: 'get', path: '/privacy/login', summary: 'The privacy pages login form', roles: 'public', answers: { 200: page('A form that takes a privacy or admin API key.') } },
    {
      method: 'post',
      path: '/privacy/login',
      summary: 'Log in to the privacy pages: sets an HttpOnly, SameSite=Strict session cookie',
      roles: 'public',
      answers: { 303: page('To /privacy, with the session cookie; 401 (the form again) for a wrong key, 403 for another role.') },
    },
    { method: 'get', path: '/privacy/logout', summary: 'Log out of the privacy pages', roles: 'public', answers: { 303: page('To the login form, the cookie cleared.') } },
    { method: 'get', path: '/privacy/style.css', summary: 'The privacy pages stylesheet', roles: 'public', answers: { 200: { description: 'CSS.', type: 'text/css', schema: { type: 'string' } } } },
    { method: 'get', path: '/privacy', summary: 'Find a subject: the form; without a session a browser is sent to /privacy/login', roles: ['privacy'], answers: { 200: page('The form.') } },
    { method: 'get', path: '/privacy/disclosures', summary: "A subject's disclosures, with the summary for the customer and the erasure form; every read is recorded", roles: ['privacy'], query: findQuery, answers: { 200: page('The disclosures.') } },
    {
      method: 'post',
      path: '/privacy/erasures',
      summary: 'Start an erasure from the form (as POST /v1/subjects/{subjectId}/erasure); a form from another site is refused',
      roles: ['privacy'],
      body: { type: 'object', required: ['subject', 'reference', 'reason'], properties: { subject: subjectParameter.schema, ...erasureRequestSchema.properties } },
      bodyType: 'application/x-www-form-urlencoded',
      answers: { 303: page("To the erasure's page; 422 (the form again) for bad input, 409 while one runs.") },
    },
    { method: 'get', path: '/privacy/erasures/{id}', summary: "An erasure's statement, reloading itself while it runs; every read is recorded", roles: ['privacy'], answers: { 200: page('The statement so far.') } },
    { method: 'get', path: '/privacy/shares', summary: 'The shares log, filtered and paged; every read is recorded', roles: ['privacy'], query: sharePageQuery, answers: { 200: page('One page, oldest first.') } },
    {
      method: 'get',
      path: '/privacy/shares.csv',
      summary: 'The shares log as CSV, as GET /v1/shares?format=csv; every read is recorded',
      roles: ['privacy'],
      query: shareCsvQuery,
      answers: { 200: { description: 'RFC 4180, with a header line, as an attachment.', type: 'text/csv', schema: { type: 'string' } } },
    },
    { method: 'get', path: '/privacy/verify', summary: "Whether the shares log's hash chain holds, and its head", roles: ['privacy'], answers: { 200: page('The outcome.') } },
    { method: 'get', path: '/privacy/record', summary: 'The GDPR Art. 30(1) record, from the agreements', roles: ['privacy'], answers: { 200: page('One part per configured supplier.') } },
  ];
}

/** Whose id a path's {id} is, by the path's start. */
const idOwners: [prefix: string, what: string][] = [
  ['/v1/suppliers', 'supplier'],
  ['/v1/erasures', 'erasure'],
  ['/privacy/erasures', 'erasure'],
  ['/v1/transfers', 'transfer'],
];

const rolesOf = (roles: ApiRole[]) => ({ description: `Roles: ${roles.join(', ')}.`, 'x-roles': roles });

/** The document, with each configured supplier's agreed payload schemas. */
export function openApiDocument(agreements: Map<string, Agreement>): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes) {
    const parameters = [
      ...(route.path.includes('{id}') ? [idParameter(idOwners.find(([prefix]) => route.path.startsWith(prefix))![1])] : []),
      ...(route.path.includes('{subjectId}') ? [{ name: 'subjectId', in: 'path', required: true, description: "The customer's id, as transfer requests give it.", schema: subjectParameter.schema }] : []),
      ...Object.entries(route.query ?? {}).map(([name, parameter]) => ({ name, in: 'query', required: false, description: `Must be ${parameter.expected}.`, schema: parameter.schema })),
      ...(route.path === '/v1/transfers' && route.method === 'post' ? [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 200 } }] : []),
    ];
    const responses: Record<string, Schema> = Object.fromEntries(
      Object.entries(route.answers).map(([status, answer]) => {
        const content = { [answer.type ?? 'application/json']: { schema: answer.schema ?? {} }, ...Object.fromEntries(Object.entries(answer.alternatives ?? {}).map(([type, schema]) => [type, { schema }])) };
        return [status, { description: answer.description, content }];
      }),
    );
    responses.default = { description: 'A problem: 400/422 for bad input (with JSON pointers), 401, 403, 404, 409, 503.', content: { 'application/problem+json': { schema: ref('Problem') } } };
    paths[route.path] ??= {};
    paths[route.path][route.method] = {
      summary: route.summary,
      ...(route.roles === 'public' ? { security: [] } : rolesOf([...route.roles, ...(route.withoutAdmin ? [] : ['admin' as const])])),
      ...(parameters.length && { parameters }),
      ...(route.body && { requestBody: { required: true, content: { [route.bodyType ?? 'application/json']: { schema: route.body } } } }),
      responses,
    };
  }
  const agreed = [...agreements.values()].flatMap((agreement) =>
    [...agreement.operations.values()].map((operation) => [`${agreement.supplier}.${operation.name}`, operation.validate.schema as Schema] as const),
  );
  return {
    openapi: '3.1.0',
    info: { title: 'supplier-gateway', version: '1', description: 'Hands customer data to suppliers only as agreed, and records every share. Errors are application/problem+json (RFC 9457).' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `npx sgw keys create --name NAME --role ROLE`.' } }, schemas: { ...schemas, ...Object.fromEntries(agreed) } },
  };
}
