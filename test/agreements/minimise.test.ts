import { describeFields, escapePointer, labelledFields, minimise, payloadAjv } from '../../src/agreements/payload-validator';
import { loadAgreements, schemasDir } from '../../src/agreements/agreements';
import { registerBody } from '../support/gateway';

/** A small agreed schema with nesting, an array of objects, and keys that need escaping in a pointer. */
const schema = {
  $id: 'https://schemas.supplier-gateway.local/test/v1/minimise.request.schema.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', 'x-data-category': 'user.name' },
    address: {
      type: 'object',
      additionalProperties: false,
      properties: { 'unit/floor': { type: 'string', 'x-data-category': 'user.contact.address.street' }, city: { type: 'string', 'x-data-category': 'user.contact.address.city' } },
    },
    contacts: {
      type: 'array',
      'x-data-category': 'user.contact',
      items: { type: 'object', additionalProperties: false, properties: { email: { type: 'string' } } },
    },
  },
};
const validate = payloadAjv.compile(schema);
const domainRegister = loadAgreements(schemasDir).get('openprovider')!.operations.get('domain.register')!;

describe('minimise', () => {
  test('strips unagreed fields at every depth and reports each by its pointer, the caller’s data untouched', () => {
    const data = {
      name: 'Jan Jansen',
      shoeSize: 44,
      address: { city: 'Amsterdam', 'unit/floor': '2', geo: { lat: 52.37, lon: 4.89 } },
      contacts: [{ email: 'jan@example.nl', opt_in: true }, { email: 'j2@example.nl', 'score-1': 3, notes: { deep: { deeper: 'x' } } }],
    };
    const original = structuredClone(data);
    const result = minimise(validate, data, '/data');
    expect(result.errors).toEqual([]);
    expect(result.payload).toEqual({ name: 'Jan Jansen', address: { city: 'Amsterdam', 'unit/floor': '2' }, contacts: [{ email: 'jan@example.nl' }, { email: 'j2@example.nl' }] });
    expect(result.withheld.sort()).toEqual(
      ['/data/shoeSize', '/data/address/geo', '/data/contacts/0/opt_in', '/data/contacts/1/score-1', '/data/contacts/1/notes'].sort(),
    );
    expect(data).toEqual(original);
  });

  test('an unagreed field whose name is not a field name is refused at its parent, so no name can carry personal data into the log', () => {
    const data = { name: 'Jan', address: { city: 'Amsterdam', 'jan@example.nl': true, 'floor~plan': 'x' }, contacts: [{ email: 'jan@example.nl', 'opt/in': true }] };
    const result = minimise(validate, data, '/data');
    expect(result.errors.map((error) => error.pointer)).toEqual(['/data/address', '/data/address', '/data/contacts/0']);
    expect(result.withheld).toEqual([]);
    expect(JSON.stringify(result.errors)).not.toContain('jan@example.nl');
  });

  test('fields named like Object properties (constructor, toString, __proto__) are withheld and reported like any other', () => {
    const data = JSON.parse('{"name": "Jan", "constructor": "x", "__proto__": {"polluted": true}, "address": {"toString": "y"}}');
    const result = minimise(validate, data, '/data');
    expect(result.payload).toEqual({ name: 'Jan', address: {} });
    expect(result.withheld.sort()).toEqual(['/data/__proto__', '/data/address/toString', '/data/constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('RFC 6901 escaping: ~ before /, so "a~1b" and "a/b" stay distinct', () => {
    expect(escapePointer('a/b')).toBe('a~1b');
    expect(escapePointer('a~1b')).toBe('a~01b');
    expect(escapePointer('~/')).toBe('~0~1');
  });

  test('on the openprovider schema: the bank account and date of birth are withheld, the rest kept', () => {
    const { data } = registerBody();
    const result = minimise(domainRegister.validate, { ...data, notes: 'vip' }, '/data');
    expect(result.errors).toEqual([]);
    expect(result.withheld.sort()).toEqual(['/data/notes', '/data/registrant/bankAccount', '/data/registrant/dateOfBirth']);
    expect(Object.keys((result.payload as typeof data).registrant).sort()).toEqual(['address', 'email', 'firstName', 'lastName', 'phone']);
  });

  test('what remains must validate: errors by pointer, values never echoed', () => {
    const { data } = registerBody();
    const registrant = data.registrant as Record<string, unknown>;
    delete registrant.lastName;
    registrant.email = 'not an email';
    const result = minimise(domainRegister.validate, data, '/data');
    expect(result.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/data/registrant/lastName', detail: 'is required' },
        { pointer: '/data/registrant/email', detail: expect.stringMatching(/format "email"/) },
      ]),
    );
    expect(JSON.stringify(result.errors)).not.toContain('not an email');
  });
});

describe('describeFields', () => {
  test('gives a category for each present labelled field only, arrays as one field, with escaped pointers', () => {
    const fields = describeFields(labelledFields(schema, '/data'), { name: 'Jan', address: { 'unit/floor': '2' }, contacts: [{ email: 'jan@example.nl' }] });
    expect(fields).toEqual([
      { pointer: '/data/name', category: 'user.name' },
      { pointer: '/data/address/unit~1floor', category: 'user.contact.address.street' },
      { pointer: '/data/contacts', category: 'user.contact' },
    ]);
  });

  test('on the openprovider schema: optional fields left out are not described', () => {
    const { data } = registerBody();
    const { payload } = minimise(domainRegister.validate, data, '/data');
    const fields = describeFields(domainRegister.fields, payload);
    const pointers = fields.map((field) => field.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/data/domain', '/data/nameServers', '/data/registrant/firstName', '/data/registrant/address/country']));
    expect(pointers).not.toContain('/data/registrant/initials');
    expect(pointers).not.toContain('/data/registrant/companyName');
    expect(pointers.filter((pointer) => pointer.startsWith('/data/nameServers'))).toEqual(['/data/nameServers']);
    expect(fields.find((field) => field.pointer === '/data/registrant/email')?.category).toBe('user.contact.email');
  });
});
