import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import { api, registerBody, startTestGateway, transferStatus, type ApiAnswer, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

// Issue 11, point 8: GET /openapi.json documents the whole API, from the schemas the code validates with.

let gateway: TestGateway;
let document: any;
beforeAll(async () => {
  gateway = await startTestGateway();
  const answer = await api(gateway, 'GET', '/openapi.json');
  expect(answer.status).toBe(200);
  document = answer.json;
});
afterAll(() => gateway.close());

test('is a valid OpenAPI 3.1 document', async () => {
  const file = path.join(gateway.env.dataDir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
  const { stdout } = await promisify(execFile)(process.execPath, [cli, file]);
  expect(JSON.parse(stdout)).toMatchObject({ valid: true });
  expect(document.openapi).toBe('3.1.0');
});

/** Every method and path the Express app routes, in OpenAPI's form (`:id` as `{id}`). */
function servedRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push(`${method} ${(prefix + layer.route.path).replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1')}`);
      } else if (layer.handle?.mountpath !== undefined) {
        // An application of its own mounted here (Bull Board): documented as one page, its inner routes its own.
        found.push(`get ${prefix}${layer.rawPath}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
      }
    }
  };
  walk((app as any).router.stack, '');
  return found.sort();
}

test('documents every route the app serves, and every documented route exists', () => {
  const app = createApp({
    intake: undefined as never,
    db: undefined as never,
    queues: undefined as never,
    erasureQueues: undefined as never,
    suppliers: [],
    keys: undefined as never,
    readiness: undefined as never,
    subjectHashKey: Buffer.alloc(32),
    masterKey: Buffer.alloc(32),
    log: undefined as never,
    dashboardSessionKey: Buffer.alloc(32),
    privacySessionKey: Buffer.alloc(32),
    checkpointSigner: undefined as never,
    metrics: undefined as never,
  });
  const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
    .flatMap(([route, methods]) => Object.keys(methods).map((method) => `${method} ${route}`))
    .sort();
  expect(servedRoutes(app)).toEqual(documented);
});

test("carries each configured supplier's agreed payload schema", () => {
  expect(document.components.schemas['openprovider.domain.register']).toMatchObject({ $id: expect.stringContaining('openprovider'), type: 'object' });
});

describe('answers match the documented schemas', () => {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  const checked: string[] = [];
  let paths: any;

  /** Validates an answer against the schema the document gives for its route and status. */
  function expectDocumented(method: string, route: string, answer: ApiAnswer) {
    const operation = paths[route][method];
    const response = operation.responses[answer.status] ?? operation.responses.default;
    // The content of the answer's media type, where the route offers several.
    const offered = Object.entries(response.content as Record<string, { schema: unknown }>);
    const [type, { schema }] = offered.find(([type]) => answer.type.startsWith(type)) ?? offered[0];
    expect(answer.type).toContain(type);
    const validate = ajv.compile(schema as object);
    const valid = validate(type.includes('json') ? answer.json : answer.text);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    checked.push(`${method} ${route} ${answer.status}`);
  }

  beforeAll(() => {
    // Refs point into the document: resolve them against it.
    ajv.addSchema({ ...document, $id: 'openapi' });
    const rewrite = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(rewrite)
      : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, key === '$ref' ? `openapi${item as string}` : rewrite(item)]))
      : value;
    paths = rewrite(document.paths);
  });

  test('for transfers, suppliers, shares, health and problems', async () => {
    const ops = { token: gateway.keys.ops };
    const body = registerBody();
    const accepted = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('doc-') } });
    expectDocumented('post', '/v1/transfers', accepted);
    await transferStatus(gateway, accepted.json.id, ['delivered']);
    const failed = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(undefined, `taken-${uniqueName('x-')}.nl`), headers: { 'idempotency-key': uniqueName('doc-') } });
    await transferStatus(gateway, failed.json.id, ['failed']);

    expectDocumented('get', '/v1/transfers/{id}', await api(gateway, 'GET', `/v1/transfers/${failed.json.id}`, ops));
    expectDocumented('get', '/v1/transfers', await api(gateway, 'GET', '/v1/transfers?limit=1', ops));
    expectDocumented('post', '/v1/transfers/retry', await api(gateway, 'POST', '/v1/transfers/retry', { ...ops, body: { filter: {}, dryRun: true } }));
    expectDocumented('post', '/v1/transfers/{id}/cancel', await api(gateway, 'POST', `/v1/transfers/${failed.json.id}/cancel`, ops));
    expectDocumented('post', '/v1/transfers/{id}/retry', await api(gateway, 'POST', `/v1/transfers/${failed.json.id}/retry`, ops));
    expectDocumented('get', '/v1/suppliers', await api(gateway, 'GET', '/v1/suppliers', ops));
    expectDocumented('get', '/v1/suppliers/{id}', await api(gateway, 'GET', '/v1/suppliers/openprovider', ops));
    expectDocumented('post', '/v1/suppliers/{id}/pause', await api(gateway, 'POST', '/v1/suppliers/openprovider/pause', ops));
    expectDocumented('post', '/v1/suppliers/{id}/resume', await api(gateway, 'POST', '/v1/suppliers/openprovider/resume', ops));
    expectDocumented('get', '/v1/shares', await api(gateway, 'GET', `/v1/shares?subject=${body.subject.id}`, { token: gateway.keys.privacy }));
    expectDocumented('post', '/v1/shares/checkpoint', await api(gateway, 'POST', '/v1/shares/checkpoint', { token: gateway.keys.privacy }));
    expectDocumented('get', '/v1/shares/checkpoint', await api(gateway, 'GET', '/v1/shares/checkpoint', { token: gateway.keys.privacy }));
    expectDocumented('get', '/v1/shares/verify', await api(gateway, 'GET', '/v1/shares/verify', { token: gateway.keys.privacy }));
    const erasure = await api(gateway, 'POST', `/v1/subjects/${body.subject.id}/erasure`, { token: gateway.keys.privacy, body: { reference: 'ticket-doc', reason: 'consent_withdrawn' } });
    expectDocumented('post', '/v1/subjects/{subjectId}/erasure', erasure);
    expectDocumented('get', '/v1/erasures/{id}', await api(gateway, 'GET', `/v1/erasures/${erasure.json.id}`, { token: gateway.keys.privacy }));
    expectDocumented('post', '/v1/subjects/{subjectId}/erasure', await api(gateway, 'POST', `/v1/subjects/${body.subject.id}/erasure`, { token: gateway.keys.privacy, body: { reference: 'ticket-doc', reason: 'consent_withdrawn' } }));
    expectDocumented('get', '/v1/shares', await api(gateway, 'GET', `/v1/shares?subject=${body.subject.id}&format=csv`, { token: gateway.keys.privacy }));
    const subject = `/v1/subjects/${encodeURIComponent(body.subject.id)}`;
    expectDocumented('get', '/v1/subjects/{subjectId}/disclosures', await api(gateway, 'GET', `${subject}/disclosures`, { token: gateway.keys.privacy }));
    expectDocumented('get', '/v1/subjects/{subjectId}/export', await api(gateway, 'GET', `${subject}/export`, { token: gateway.keys.privacy }));
    expectDocumented('get', '/v1/subjects/{subjectId}/export', await api(gateway, 'GET', '/v1/subjects/%07/export', { token: gateway.keys.privacy }));
    expectDocumented('get', '/v1/consultations', await api(gateway, 'GET', '/v1/consultations?limit=2', { token: gateway.keys.admin }));
    expectDocumented('get', '/v1/record-of-processing', await api(gateway, 'GET', '/v1/record-of-processing', { token: gateway.keys.privacy }));
    expectDocumented('get', '/healthz', await api(gateway, 'GET', '/healthz'));
    expectDocumented('get', '/readyz', await api(gateway, 'GET', '/readyz'));
    expectDocumented('get', '/metrics', await api(gateway, 'GET', '/metrics'));
    expectDocumented('get', '/admin/login', await api(gateway, 'GET', '/admin/login'));
    expectDocumented('get', '/v1/transfers', await api(gateway, 'GET', '/v1/transfers?status=lost', ops));
    expectDocumented('post', '/v1/transfers/{id}/retry', await api(gateway, 'POST', `/v1/transfers/${accepted.json.id}/retry`, ops));
    expect(checked).toContain('post /v1/transfers/{id}/retry 409');
    expect(checked).toContain('get /v1/subjects/{subjectId}/export 400');
    expect(checked).toContain('get /v1/shares/checkpoint 200');
  });
});
