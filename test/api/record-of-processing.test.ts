import { loadAgreements, schemasDir } from '../../src/agreements/agreements';
import { processingRecord } from '../../src/shares/processing-record';
import { api, startTestGateway, type TestGateway } from '../support/gateway';

// Issue 12, point 6: the GDPR Art. 30(1) record, generated from the agreements and their agreed schemas.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

test("names per configured supplier the purposes, bases, data and subject categories, recipient, retention, safeguards and the agreement's validity", async () => {
  const answer = await api(gateway, 'GET', '/v1/record-of-processing', { token: gateway.keys.privacy });
  expect(answer.status).toBe(200);
  const [activity, ...others] = answer.json.activities;
  expect(others).toEqual([]);
  expect(activity).toMatchObject({
    supplier: 'openprovider',
    recipient: { legalName: 'Openprovider B.V.', role: 'processor', country: 'NL' },
    agreement: { reference: 'DPA-OPENPROVIDER-2026-01', validFrom: '2026-01-01', validUntil: '2028-12-31', inForce: true },
    purposes: [{ purpose: 'domain_registration', description: expect.stringContaining('Register'), bases: ['contract'] }],
    subjectCategories: [expect.stringContaining('Customers who order a domain name')],
    operations: [{ operation: 'domain.register', schemaId: expect.stringContaining('/openprovider/v1/'), purposes: ['domain_registration'] }],
    transferOutsideEea: null,
    retention: { period: 'P2Y', after: expect.any(String) },
    safeguards: { inTransit: expect.stringContaining('TLS'), atRest: expect.stringContaining('AES-256-GCM') },
  });
  // Every category the agreed schema labels, whether or not a transfer has used it yet.
  expect(activity.dataCategories).toEqual(expect.arrayContaining(['user.contact.email', 'user.name.first', 'user.workplace', 'user.contact.address.state']));
  expect(activity.operations[0].dataCategories).toEqual(activity.dataCategories);
});

test('a supplier outside the EEA shows its country and the safeguard its agreement names; one out of force says so', () => {
  const openprovider = loadAgreements(schemasDir).get('openprovider')!;
  const abroad = { ...openprovider, supplier: 'abroad', country: 'US', transferSafeguard: 'Standard contractual clauses (EU) 2021/914, module 3' };
  const [record] = processingRecord([abroad], new Date('2030-01-01T00:00:00Z')).activities;
  expect(record).toMatchObject({ transferOutsideEea: { country: 'US', safeguard: 'Standard contractual clauses (EU) 2021/914, module 3' }, agreement: { inForce: false } });
});
