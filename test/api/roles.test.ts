import { roles, type ApiRole } from '../../src/api/api-keys';
import { routes } from '../../src/api/openapi';
import { api, startTestGateway, type TestGateway } from '../support/gateway';

// Issue 11, "Done when": every route gives each role the access the design grants (docs/architecture.md, "Roles"), and 403 to the
// others. The table is written out here from the design, not read from the code it checks.

const noId = '00000000-0000-4000-8000-000000000000';
const grants: [method: string, path: string, allowed: ApiRole[]][] = [
  ['POST', '/v1/transfers', ['provisioning', 'admin']],
  ['GET', '/v1/transfers', ['provisioning', 'ops', 'admin']],
  ['GET', `/v1/transfers/${noId}`, ['provisioning', 'ops', 'admin']],
  ['POST', '/v1/transfers/retry', ['ops', 'admin']],
  ['POST', `/v1/transfers/${noId}/retry`, ['ops', 'admin']],
  ['POST', `/v1/transfers/${noId}/cancel`, ['ops', 'admin']],
  ['GET', '/v1/suppliers', ['ops', 'admin']],
  ['GET', '/v1/suppliers/nosuch', ['ops', 'admin']],
  ['POST', '/v1/suppliers/nosuch/pause', ['ops', 'admin']],
  ['POST', '/v1/suppliers/nosuch/resume', ['ops', 'admin']],
  ['GET', '/v1/shares', ['privacy', 'admin']],
  ['GET', '/v1/shares/verify', ['privacy', 'admin']],
  ['POST', '/v1/subjects/nobody/erasure', ['privacy', 'admin']],
  ['GET', `/v1/erasures/${noId}`, ['privacy', 'admin']],
  ['GET', '/v1/subjects/nobody/disclosures', ['privacy', 'admin']],
  // The one route admin does not get: it answers with personal values.
  ['GET', '/v1/subjects/nobody/export', ['privacy']],
  ['GET', '/v1/consultations', ['admin']],
  ['GET', '/v1/record-of-processing', ['privacy', 'admin']],
  ['GET', '/v1/shares/checkpoint', ['privacy', 'admin']],
  ['POST', '/v1/shares/checkpoint', ['privacy', 'admin']],
  ['GET', '/admin/queues', ['ops', 'admin']],
  // The privacy pages take a Bearer key too; test/api/privacy-page.test.ts holds their login form to its roles.
  ['GET', '/privacy', ['privacy', 'admin']],
  ['GET', '/privacy/disclosures?subject=nobody', ['privacy', 'admin']],
  ['POST', '/privacy/erasures', ['privacy', 'admin']],
  ['GET', `/privacy/erasures/${noId}`, ['privacy', 'admin']],
  ['GET', '/privacy/shares', ['privacy', 'admin']],
  ['GET', '/privacy/shares.csv', ['privacy', 'admin']],
  ['GET', '/privacy/verify', ['privacy', 'admin']],
  ['GET', '/privacy/record', ['privacy', 'admin']],
];
const publicRoutes = ['/healthz', '/readyz', '/metrics', '/openapi.json', '/privacy/style.css'];
/** The login forms take a key in their body rather than a header: test/api/dashboard.test.ts and privacy-page.test.ts hold them to their roles. */
const loginForm = ['/admin', '/privacy'].flatMap((pages) => [`get ${pages}/login`, `post ${pages}/login`, `get ${pages}/logout`]);

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

test('the table covers every documented route', () => {
  const asDocumented = (path: string) => path.replace(noId, '{id}').replace('nosuch', '{id}').replace('/nobody/', '/{subjectId}/').replace(/\?.*/, '');
  const covered = [...grants.map(([method, path]) => `${method.toLowerCase()} ${asDocumented(path)}`), ...publicRoutes.map((path) => `get ${path}`), ...loginForm];
  expect(covered.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
});

describe.each(grants)('%s %s', (method, path, allowed) => {
  test.each(roles)('as %s', async (role) => {
    // Bodies that pass no check: an allowed role gets past the role check and stops at the next one.
    const answer = await api(gateway, method, path, { token: gateway.keys[role], ...(method === 'POST' && { body: {}, headers: { 'idempotency-key': 'roles' } }) });
    if (allowed.includes(role)) expect([200, 202, 404, 409, 422]).toContain(answer.status);
    else expect(answer).toMatchObject({ status: 403, json: { detail: `The ${role} role may not use this resource.` } });
  });

  test('without a key: 401', async () => {
    expect((await api(gateway, method, path)).status).toBe(401);
  });
});

test.each(publicRoutes)('%s needs no key', async (path) => {
  expect((await api(gateway, 'GET', path)).status).toBe(200);
});
