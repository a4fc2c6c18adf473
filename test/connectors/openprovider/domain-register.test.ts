import { SupplierContractError, SupplierRejectedError, sha256Hex } from '../../../src/connector-kit';
import { openprovider } from '../../../connectors/openprovider/connector';
import { customerTagOf, initialsOf } from '../../../connectors/openprovider/customers';
import { splitDomain } from '../../../connectors/openprovider/operations/domain-register';
import { splitPhone } from '../../../connectors/openprovider/phone';
import { BASE_URL, ok, received, receivedAt, route, sentJson, useMockOpenprovider } from './support/mock-api';
import { agreedSchemaValidator } from '../support/agreed-schema';
import { CANARY, registerPayload, recordingContext } from '../support/payloads';
import { swaggerErrors } from './support/swagger';

const server = useMockOpenprovider();
const connector = () => openprovider.create({ baseUrl: BASE_URL, username: 'reseller-test', password: 'secret-test' });

describe('domain.register: what is sent', () => {
  it('uses a test payload the agreed schema accepts', () => {
    const validate = agreedSchemaValidator('openprovider', 'domain.register');
    expect(validate(registerPayload({ registrant: { ...registerPayload().registrant, prefix: 'van der', companyName: 'Jansen BV' } }))).toBe(true);
  });

  it('has a swagger check that refuses a field Openprovider does not know', () => {
    expect(swaggerErrors('customer', 'customerCreateCustomerRequest', { name: { firstname: 'Jan' } })).not.toEqual([]);
    expect(swaggerErrors('domain', 'domainCreateDomainRequest', { nameservers: [] })).not.toEqual([]);
  });

  it('creates the owner with a body that fits swagger customerCreateCustomerRequest', async () => {
    const ctx = recordingContext();
    await connector().deliver('domain.register', registerPayload(), ctx);

    const body = sentJson('POST', '/customers');
    expect(swaggerErrors('customer', 'customerCreateCustomerRequest', body)).toEqual([]);
    expect(body).toEqual({
      name: { first_name: CANARY.firstName, last_name: CANARY.lastName, initials: 'Z.' },
      address: { street: CANARY.street, number: '12', zipcode: CANARY.postalCode, city: CANARY.city, country: 'NL' },
      phone: { country_code: '+31', area_code: '20', subscriber_number: '1234567' },
      email: CANARY.email,
      comments: customerTagOf(ctx.transferId),
    });
  });

  it('passes the optional registrant fields through under their Openprovider names', async () => {
    const payload = registerPayload();
    payload.registrant = {
      ...payload.registrant,
      initials: 'Z.Q.',
      prefix: 'van der',
      companyName: 'Jansen BV',
      address: { ...payload.registrant.address, suffix: 'A', state: 'Noord-Holland' },
    };
    await connector().deliver('domain.register', payload, recordingContext());

    const body = sentJson('POST', '/customers');
    expect(swaggerErrors('customer', 'customerCreateCustomerRequest', body)).toEqual([]);
    expect(body).toMatchObject({
      name: { initials: 'Z.Q.', prefix: 'van der' },
      address: { suffix: 'A', state: 'Noord-Holland' },
      company_name: 'Jansen BV',
    });
  });

  it('never sends null or an empty value for a field the registrant left out', async () => {
    await connector().deliver('domain.register', registerPayload(), recordingContext());
    for (const request of received.filter((entry) => entry.method === 'POST')) {
      expect(request.body).not.toMatch(/null|""/);
    }
  });

  it('registers the domain with a body that fits swagger domainCreateDomainRequest, the new handle in every role', async () => {
    server.use(route('post', '/customers', () => ok({ handle: 'ZQ000042-NL' })));
    const payload = registerPayload({ domain: 'jansen-example.co.uk', period: 2 });
    await connector().deliver('domain.register', payload, recordingContext());

    const body = sentJson('POST', '/domains');
    expect(swaggerErrors('domain', 'domainCreateDomainRequest', body)).toEqual([]);
    expect(body).toEqual({
      domain: { name: 'jansen-example', extension: 'co.uk' },
      period: 2,
      owner_handle: 'ZQ000042-NL',
      admin_handle: 'ZQ000042-NL',
      tech_handle: 'ZQ000042-NL',
      name_servers: [{ name: 'ns1.example.net' }, { name: 'ns2.example.net' }],
    });
  });

  it('returns the domain id and the SHA-256 of the customers body bytes followed by the domains body bytes', async () => {
    const result = await connector().deliver('domain.register', registerPayload(), recordingContext());

    const [customers] = receivedAt('POST', '/customers');
    const [domains] = receivedAt('POST', '/domains');
    expect(result).toEqual({ supplierReference: '4242', sentDigest: sha256Hex(customers.body + domains.body) });
  });

  it('refuses a phone number that cannot exist before anything is recorded or sent', async () => {
    const payload = registerPayload();
    payload.registrant.phone = '+3712345';
    const ctx = recordingContext();
    const delivery = connector().deliver('domain.register', payload, ctx);

    await expect(delivery).rejects.toBeInstanceOf(SupplierRejectedError);
    await expect(delivery).rejects.toMatchObject({ code: 'invalid_phone' });
    expect(receivedAt('POST', '/customers')).toHaveLength(0);
    expect(ctx.recorded).toEqual([]);
  });

  it('refuses operations it does not implement and payloads without the agreed shape', async () => {
    await expect(connector().deliver('debt.collect', registerPayload(), recordingContext())).rejects.toMatchObject({
      code: 'unsupported_operation',
    });
    await expect(connector().lookup('domain.register', { domain: 'example.nl' }, recordingContext())).rejects.toBeInstanceOf(
      SupplierContractError,
    );
    expect(received).toHaveLength(0);
  });
});

describe('domain.register: lookup', () => {
  it('asks for the domain by full_name, a list parameter the swagger defines', async () => {
    await connector().lookup('domain.register', registerPayload({ domain: 'jansen-lookup.nl' }), recordingContext());

    const [listing] = receivedAt('GET', '/domains');
    expect(listing.search.get('full_name')).toBe('jansen-lookup.nl');
  });

  it('returns the id of the exactly matching domain', async () => {
    server.use(route('get', '/domains', () => ok({
      results: [
        { id: 7, domain: { name: 'jansen-lookup-other', extension: 'nl' } },
        { id: 8, domain: { name: 'jansen-lookup', extension: 'nl' } },
      ],
      total: 2,
    })));
    const found = await connector().lookup('domain.register', registerPayload({ domain: 'jansen-lookup.nl' }), recordingContext());
    expect(found).toEqual({ supplierReference: '8' });
  });

  it('passes over a deleted or failed registration of the same name: only one that stands counts as landed', async () => {
    const listing = (...statuses: string[]) =>
      ok({ results: statuses.map((status, index) => ({ id: 20 + index, status, domain: { name: 'jansen-lookup', extension: 'nl' } })), total: statuses.length });
    const lookup = () => connector().lookup('domain.register', registerPayload({ domain: 'jansen-lookup.nl' }), recordingContext());
    server.use(route('get', '/domains', () => listing('DEL', 'FAI')));
    await expect(lookup()).resolves.toBeNull();
    server.use(route('get', '/domains', () => listing('DEL', 'REQ')));
    await expect(lookup()).resolves.toEqual({ supplierReference: '21' });
  });

  it('returns null when the domain is not in the account', async () => {
    await expect(connector().lookup('domain.register', registerPayload(), recordingContext())).resolves.toBeNull();
  });
});

describe('mapping rules', () => {
  it.each([
    ['+31201234567', '+31', '20', '1234567'],
    ['+31612345678', '+31', '6', '12345678'],
    ['+12125551234', '+1', '212', '5551234'],
    ['+442071234567', '+44', '20', '71234567'],
    ['+390612345678', '+39', '06', '12345678'],
    ['+3726123456', '+372', '612', '3456'],
  ])('splits %s into %s / %s / %s', (e164, countryCode, areaCode, subscriber) => {
    expect(splitPhone(e164)).toEqual({ country_code: countryCode, area_code: areaCode, subscriber_number: subscriber });
  });

  it('keeps every digit when the numbering plan has no grouping', () => {
    const phone = splitPhone('+9715012345678');
    expect(`${phone.country_code}${phone.area_code}${phone.subscriber_number}`).toBe('+9715012345678');
  });

  it.each([
    ['Jan', 'J.'],
    ['jan peter', 'J.P.'],
    ['Anne-Marie', 'A.M.'],
  ])('derives initials %s → %s', (firstName, initials) => {
    expect(initialsOf(firstName)).toBe(initials);
  });

  it('splits a domain at its first dot', () => {
    expect(splitDomain('example.nl')).toEqual({ name: 'example', extension: 'nl' });
    expect(splitDomain('example.co.uk')).toEqual({ name: 'example', extension: 'co.uk' });
  });
});
