import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAgreements, schemasDir, type Agreement } from '../../src/agreements/agreements';
import { checkPolicy, Refusal } from '../../src/agreements/policy';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'sgw-agreements-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let fixtures = 0;
/** Writes a schemas/ folder with one supplier `acme`; the schema $id is unique per fixture, as the one Ajv instance outlives each. */
function fixture(change: (agreement: Record<string, any>, schema: Record<string, any>) => void = () => undefined, supplier = 'acme'): string {
  const dir = path.join(root, `schemas-${++fixtures}`);
  const schemaId = `https://schemas.supplier-gateway.local/fixture-${fixtures}/${supplier}/v1/debt.collect.request.schema.json`;
  const schema: Record<string, any> = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: schemaId,
    type: 'object',
    additionalProperties: false,
    properties: { amountCents: { type: 'integer', 'x-data-category': 'user.financial' } },
  };
  const agreement: Record<string, any> = {
    supplier,
    legalName: 'Acme Incasso B.V.',
    role: 'processor',
    agreementReference: 'DPA-ACME-1',
    validFrom: '2026-01-01',
    validUntil: '2026-12-31',
    country: 'NL',
    purposes: {
      debt_collection: { description: 'Collect unpaid invoices', bases: ['contract', 'legal_obligation'] },
      customer_research: { description: 'Not for this operation', bases: ['consent'] },
    },
    operations: { 'debt.collect': { schema: schemaId, purposes: ['debt_collection'] } },
    subjectCategories: ['Customers with an unpaid invoice'],
    retention: { period: 'P7Y', after: 'the debt is settled' },
  };
  change(agreement, schema);
  mkdirSync(path.join(dir, supplier, 'v1'), { recursive: true });
  writeFileSync(path.join(dir, supplier, 'agreement.json'), JSON.stringify(agreement));
  writeFileSync(path.join(dir, supplier, 'v1', 'debt.collect.request.schema.json'), JSON.stringify(schema));
  return dir;
}

describe('loadAgreements', () => {
  test('loads an agreement with its operations, each with a validator for its schema', () => {
    const acme = loadAgreements(fixture()).get('acme')!;
    expect(acme.legalName).toBe('Acme Incasso B.V.');
    const operation = acme.operations.get('debt.collect')!;
    expect(operation.purposes).toEqual(['debt_collection']);
    expect(operation.validate({ amountCents: 1250 })).toBe(true);
  });

  test('a supplier outside the EEA loads with the safeguard of its transfer', () => {
    const dir = fixture((agreement) => Object.assign(agreement, { country: 'CH', transferSafeguard: 'Adequacy decision 2000/518/EC (Switzerland)' }));
    expect(loadAgreements(dir).get('acme')).toMatchObject({ country: 'CH', transferSafeguard: 'Adequacy decision 2000/518/EC (Switzerland)' });
  });

  test('the bundled agreements load', () => {
    expect([...loadAgreements(schemasDir).keys()]).toEqual(expect.arrayContaining(['openprovider']));
  });

  test('an operation naming a schema no file has stops the load, naming both', () => {
    const dir = fixture((agreement) => (agreement.operations['debt.collect'].schema = 'https://schemas.supplier-gateway.local/acme/v9/nope.json'));
    expect(() => loadAgreements(dir)).toThrow(/agreement\.json: operation debt\.collect names schema https:\/\/schemas\.supplier-gateway\.local\/acme\/v9\/nope\.json, which no file under schemas\/acme has/);
  });

  test("an operation naming another supplier's schema is refused too", () => {
    const openproviderSchema = loadAgreements(schemasDir).get('openprovider')!.operations.get('domain.register')!.schemaId;
    const dir = fixture((agreement) => (agreement.operations['debt.collect'].schema = openproviderSchema));
    expect(() => loadAgreements(dir)).toThrow(/names schema .*openprovider.*, which no file under schemas\/acme has/);
  });

  test.each(['marketing', 'toString'])('an operation naming a purpose the agreement does not list (%s) stops the load', (purpose) => {
    const dir = fixture((agreement) => agreement.operations['debt.collect'].purposes.push(purpose));
    expect(() => loadAgreements(dir)).toThrow(`operation debt.collect names purpose ${purpose}, which the agreement does not list`);
  });

  test('a schema file without $id stops the load, naming the file', () => {
    const dir = fixture((_agreement, schema) => delete schema.$id);
    expect(() => loadAgreements(dir)).toThrow(/debt\.collect\.request\.schema\.json: has no \$id/);
  });

  test.each([
    ['an unknown key', (agreement: Record<string, any>) => (agreement.signedBy = 'someone'), /must NOT have additional properties/],
    ['an unknown basis', (agreement: Record<string, any>) => (agreement.purposes.debt_collection.bases = ['vital_interest']), /must be equal to one of the allowed values/],
    ['a date that is no date', (agreement: Record<string, any>) => (agreement.validUntil = '31-12-2026'), /validUntil must match format "date"/],
    ['a supplier other than its folder', (agreement: Record<string, any>) => (agreement.supplier = 'acme-bv'), /supplier must be "acme", the folder name/],
    ['no categories of data subjects', (agreement: Record<string, any>) => delete agreement.subjectCategories, /must have required property 'subjectCategories'/],
    ['an empty category of data subjects', (agreement: Record<string, any>) => (agreement.subjectCategories = ['']), /subjectCategories\/0 must NOT have fewer than 1 characters/],
    ['a retention period that is no ISO 8601 duration', (agreement: Record<string, any>) => (agreement.retention.period = '7 years'), /retention\/period must match format "duration"/],
    ['a retention without the event it runs from', (agreement: Record<string, any>) => delete agreement.retention.after, /must have required property 'after'/],
    ['a supplier outside the EEA without a safeguard', (agreement: Record<string, any>) => (agreement.country = 'US'), /country US is outside the EEA: name the transfer's safeguard in transferSafeguard/],
  ])('%s in the agreement stops the load', (_case, change, message) => {
    expect(() => loadAgreements(fixture(change))).toThrow(message);
  });
});

describe('checkPolicy', () => {
  let acme: Agreement;
  beforeAll(() => {
    acme = loadAgreements(fixture()).get('acme')!;
  });
  const refusal = (purpose: string, basis: Parameters<typeof checkPolicy>[3], now: string) => {
    try {
      checkPolicy(acme, 'debt.collect', purpose, basis, new Date(now));
    } catch (error) {
      if (error instanceof Refusal) return error;
      throw error;
    }
    return null;
  };

  test('inside validFrom..validUntil (both days included) a covered purpose and basis pass', () => {
    for (const now of ['2026-01-01T00:00:00Z', '2026-06-15T12:00:00Z', '2026-12-31T23:59:59Z']) {
      expect(refusal('debt_collection', 'contract', now)).toBeNull();
      expect(refusal('debt_collection', 'legal_obligation', now)).toBeNull();
    }
  });

  test.each(['2025-12-31T23:59:59Z', '2027-01-01T00:00:00Z'])('at %s the agreement is not in force: 403 agreement-not-in-force', (now) => {
    const refused = refusal('debt_collection', 'contract', now)!;
    expect(refused).toMatchObject({ reason: 'agreement-not-in-force', status: 403 });
    expect(refused.detail).toContain('2026-01-01 to 2026-12-31');
  });

  test('a purpose the agreement lists but not for this operation is not covered', () => {
    expect(refusal('customer_research', 'consent', '2026-06-15T12:00:00Z')).toMatchObject({ reason: 'purpose-not-covered', status: 403 });
  });

  test.each(['marketing', 'constructor'])('a purpose the agreement does not know (%s) is not covered, and not echoed', (purpose) => {
    const refused = refusal(purpose, 'contract', '2026-06-15T12:00:00Z')!;
    expect(refused).toMatchObject({ reason: 'purpose-not-covered' });
    expect(refused.detail).not.toContain(purpose);
  });

  test.each(['consent', 'legitimate_interest'] as const)('basis %s is not covered for debt_collection', (basis) => {
    const refused = refusal('debt_collection', basis, '2026-06-15T12:00:00Z')!;
    expect(refused).toMatchObject({ reason: 'basis-not-covered', status: 403 });
    expect(refused.toJSON().type).toMatch(/\/basis-not-covered$/);
  });
});
