import { api, startTestGateway, type TestGateway } from '../support/gateway';
import { sql, uniqueName } from '../support/services';

// Reading the shares log is itself recorded: which key (id and name), what, with which filter, the subject hashed.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

test('a read of the shares log records the key, the resource and the filter, with the subject hashed', async () => {
  const subject = uniqueName('cust-');
  expect((await api(gateway, 'GET', `/v1/shares?subject=${subject}&supplier=openprovider`, { token: gateway.keys.privacy })).status).toBe(200);
  const [{ schema }] = await gateway.db.query<{ schema: string }>('select current_schema() as schema');
  const rows = await sql('select api_key_id, api_key_name, resource, filter from log_consultations', [], schema);
  expect(rows).toEqual([{ api_key_id: expect.any(String), api_key_name: 'test-privacy', resource: 'shares', filter: { subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/), supplier: 'openprovider' } }]);
  expect(JSON.stringify(rows)).not.toContain(subject);
});
