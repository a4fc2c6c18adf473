import { HttpResponse } from 'msw';
import { SupplierRejectedError, sha256Hex } from '../../../src/connector-kit';
import { eppVoiceOf } from '../../../connectors/domain-register';
import { contactHandleFor } from '../../../connectors/realtimeregister/contacts';
import { API_KEY, CUSTOMER, connector, happyRoutes, received, receivedAt, route, rtrError, sentJson, useMockRealtimeRegister } from './support/mock-api';
import { agreedSchemaValidator } from '../support/agreed-schema';
import { CANARY, canariesIn, nextAttempt, registerPayload, recordingContext } from '../support/payloads';

const server = useMockRealtimeRegister();
const CONTACT_PATH = /^\/customers\/reseller-test\/contacts\/[^/]+$/;

describe('domain.register: what is sent', () => {
  it('uses a test payload the agreed schema accepts', () => {
    const validate = agreedSchemaValidator('realtimeregister', 'domain.register');
    expect(validate(registerPayload({ registrant: { ...registerPayload().registrant, prefix: 'van der', companyName: 'Jansen BV' } }))).toBe(true);
  });

  it('names the contact after the transfer, within Realtime Register handle rules', () => {
    const handle = contactHandleFor('0f8e2b4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c');
    expect(handle).toBe('sgw-0f8e2b4c1d2e4f3a9b8c7d6e5f4a3b2c');
    expect(handle).toMatch(/^[a-zA-Z0-9\-_@.]{3,40}$/);
  });

  it('turns E.164 into the EPP voice form, keeping every digit', () => {
    expect(eppVoiceOf('+31201234567')).toBe('+31.201234567');
    expect(eppVoiceOf('+31612345678')).toBe('+31.612345678');
    expect(eppVoiceOf('+14155552671')).toBe('+1.4155552671');
    expect(eppVoiceOf('+442079460958')).toBe('+44.2079460958');
    expect(() => eppVoiceOf('+3112')).toThrow(SupplierRejectedError);
  });

  it('asks for the contact, creates it under our customer with ApiKey auth, then registers the domain with it', async () => {
    const ctx = recordingContext();
    const payload = registerPayload();
    await connector().deliver('domain.register', payload, ctx);

    const handle = contactHandleFor(ctx.transferId);
    expect(received.map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET /customers/${CUSTOMER}/contacts/${handle}`,
      `POST /customers/${CUSTOMER}/contacts/${handle}`,
      `POST /domains/${payload.domain}`,
    ]);
    for (const request of received) expect(request.authorization).toBe(`ApiKey ${API_KEY}`);
    expect(sentJson('POST', CONTACT_PATH)).toEqual({
      name: `${CANARY.firstName} ${CANARY.lastName}`,
      addressLine: [`${CANARY.street} 12`],
      postalCode: CANARY.postalCode,
      city: CANARY.city,
      country: 'NL',
      email: CANARY.email,
      voice: '+31.201234567',
    });
    expect(sentJson('POST', /^\/domains\//)).toEqual({
      customer: CUSTOMER,
      registrant: handle,
      contacts: [
        { role: 'ADMIN', handle },
        { role: 'BILLING', handle },
        { role: 'TECH', handle },
      ],
      ns: ['ns1.example.net', 'ns2.example.net'],
      period: 12,
    });
    expect(ctx.recorded).toEqual([{ contactHandle: handle }]);
  });

  it('passes the optional registrant fields under their Realtime Register names, and the period in months', async () => {
    const payload = registerPayload({ period: 3 });
    payload.registrant = {
      ...payload.registrant,
      initials: 'Z.Q.',
      prefix: 'van der',
      companyName: 'Jansen BV',
      address: { ...payload.registrant.address, suffix: 'A', state: 'Noord-Holland' },
    };
    await connector().deliver('domain.register', payload, recordingContext());

    expect(sentJson('POST', CONTACT_PATH)).toMatchObject({
      name: `${CANARY.firstName} van der ${CANARY.lastName}`,
      organization: 'Jansen BV',
      addressLine: [`${CANARY.street} 12 A`],
      state: 'Noord-Holland',
    });
    expect(sentJson('POST', /^\/domains\//)).toMatchObject({ period: 36 });
  });

  it('gives the registrant handle as reference and the SHA-256 of the contact and domain bodies as sent', async () => {
    const ctx = recordingContext();
    const result = await connector().deliver('domain.register', registerPayload(), ctx);

    const [contact] = receivedAt('POST', CONTACT_PATH);
    const [domain] = receivedAt('POST', /^\/domains\//);
    expect(result).toEqual({ supplierReference: contactHandleFor(ctx.transferId), sentDigest: sha256Hex(contact.body + domain.body) });
    expect(canariesIn(JSON.stringify(result))).toEqual([]);
  });

  it('reuses the contact an earlier attempt made: no second POST, the same digest', async () => {
    const first = recordingContext();
    const payload = registerPayload();
    server.use(route('post', '/domains/:domain', () => rtrError(503, 'InternalServerError')));
    await expect(connector().deliver('domain.register', payload, first)).rejects.toMatchObject({ code: 'http_503' });
    const firstContactBody = receivedAt('POST', CONTACT_PATH)[0].body;
    // Handlers given together are tried in order: the contact that now exists first, then the rest as usual.
    server.use(
      route('get', '/customers/:customer/contacts/:handle', ({ path: handlePath }) => HttpResponse.json({ customer: CUSTOMER, handle: handlePath.split('/').pop() })),
      ...happyRoutes(),
    );
    received.length = 0;

    const retry = nextAttempt(first);
    const result = await connector().deliver('domain.register', payload, retry);
    expect(receivedAt('POST', CONTACT_PATH)).toEqual([]);
    expect(result.sentDigest).toBe(sha256Hex(firstContactBody + receivedAt('POST', /^\/domains\//)[0].body));
    expect(retry.recorded).toEqual([]);
  });

  it('takes ObjectExists for our own contact handle as made (an earlier request that landed), not as a refusal', async () => {
    server.use(route('post', '/customers/:customer/contacts/:handle', () => rtrError(400, 'ObjectExists', { objectType: 'Contact' })));
    await expect(connector().deliver('domain.register', registerPayload(), recordingContext())).resolves.toMatchObject({ sentDigest: expect.any(String) });
    expect(receivedAt('POST', /^\/domains\//)).toHaveLength(1);
  });

  it('refuses an impossible phone before anything is sent or recorded', async () => {
    const payload = registerPayload();
    payload.registrant.phone = '+3112';
    const ctx = recordingContext();
    await expect(connector().deliver('domain.register', payload, ctx)).rejects.toMatchObject({ code: 'invalid_phone' });
    expect(received).toEqual([]);
    expect(ctx.recorded).toEqual([]);
  });
});

describe('domain.register: lookup', () => {
  const registeredTo = (registrant: string) =>
    route('get', '/domains/:domain', ({ path: domainPath }) => HttpResponse.json({ domainName: domainPath.slice('/domains/'.length), registrant, status: ['OK'] }));

  it("finds the domain when its registrant is this transfer's contact", async () => {
    const ctx = recordingContext();
    server.use(registeredTo(contactHandleFor(ctx.transferId)));
    const payload = registerPayload();
    await expect(connector().lookup('domain.register', payload, ctx)).resolves.toEqual({ supplierReference: contactHandleFor(ctx.transferId) });
    expect(received.map((request) => `${request.method} ${request.path}`)).toEqual([`GET /domains/${payload.domain}`]);
  });

  it('ignores a registration of the name with another registrant (an old one, or someone else’s)', async () => {
    server.use(registeredTo('sgw-00000000000000000000000000000000'));
    await expect(connector().lookup('domain.register', registerPayload(), recordingContext())).resolves.toBeNull();
    server.use(registeredTo('SOMEONE-ELSE'));
    await expect(connector().lookup('domain.register', registerPayload(), recordingContext())).resolves.toBeNull();
  });

  it('finds nothing when Realtime Register has no such domain', async () => {
    await expect(connector().lookup('domain.register', registerPayload(), recordingContext())).resolves.toBeNull();
  });
});
