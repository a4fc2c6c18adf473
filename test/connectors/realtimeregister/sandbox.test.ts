import { SupplierContractError, SupplierRejectedError } from '../../../src/connector-kit';
import { realtimeregister } from '../../../connectors/realtimeregister/connector';
import { contactHandleFor } from '../../../connectors/realtimeregister/contacts';
import { type RealtimeRegisterSandbox, startRealtimeRegisterSandbox } from '../../../connectors/realtimeregister/sandbox';
import { registerPayload, recordingContext } from '../support/payloads';

let sandbox: RealtimeRegisterSandbox;
beforeAll(async () => {
  sandbox = await startRealtimeRegisterSandbox();
});
afterAll(() => sandbox.close());

const connector = () => realtimeregister.create({ baseUrl: sandbox.url, customer: sandbox.customer, apiKey: sandbox.apiKey });
const api = (method: string, path: string, body?: unknown) =>
  fetch(`${sandbox.url}${path}`, { method, headers: { authorization: `ApiKey ${sandbox.apiKey}` }, body: body === undefined ? undefined : JSON.stringify(body) });
const contactBody = { name: 'Jan Jansen', addressLine: ['Dorpsstraat 1'], postalCode: '1234AB', city: 'Amsterdam', country: 'NL', email: 'jan@example.nl', voice: '+31.201234567' };

describe('the Realtime Register sandbox answers like the API', () => {
  it('refuses a field the API does not define, a voice not in +CC.number form, and a period not in whole years of months', async () => {
    const unknownField = await api('POST', `/customers/${sandbox.customer}/contacts/sgw-check-1`, { ...contactBody, phone: '+31201234567' });
    expect(unknownField.status).toBe(400);
    expect(await unknownField.json()).toMatchObject({ type: 'UnrecognizedPropertyException', property: 'phone' });
    const badVoice = await api('POST', `/customers/${sandbox.customer}/contacts/sgw-check-2`, { ...contactBody, voice: '+31201234567' });
    expect(await badVoice.json()).toMatchObject({ type: 'ConstraintViolationException', violations: [{ field: 'voice' }] });

    expect((await api('POST', `/customers/${sandbox.customer}/contacts/sgw-check-3`, contactBody)).status).toBe(201);
    const badPeriod = await api('POST', '/domains/jansen-period.nl', { customer: sandbox.customer, registrant: 'sgw-check-3', period: 1 });
    expect(await badPeriod.json()).toMatchObject({ type: 'ConstraintViolationException', violations: [{ field: 'period' }] });
  });

  it('refuses another API key (401) and another customer (403)', async () => {
    const wrongKey = await fetch(`${sandbox.url}/customers/${sandbox.customer}/contacts`, { headers: { authorization: 'ApiKey wrong' } });
    expect(wrongKey.status).toBe(401);
    expect((await api('GET', '/customers/someone-else/contacts')).status).toBe(403);
  });

  it('refuses to delete a contact a domain uses', async () => {
    const handle = 'sgw-check-in-use';
    await api('POST', `/customers/${sandbox.customer}/contacts/${handle}`, contactBody);
    expect((await api('POST', '/domains/jansen-in-use.nl', { customer: sandbox.customer, registrant: handle, period: 12, ns: ['ns1.example.net'] })).status).toBe(201);
    const refused = await api('DELETE', `/customers/${sandbox.customer}/contacts/${handle}`);
    expect(refused.status).toBe(400);
    expect(sandbox.contacts()).toContainEqual({ handle, domains: 1 });
  });

  it('refuses a malformed fault on its control API', async () => {
    const answer = await fetch(`${sandbox.controlUrl}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'explode' }) });
    expect(answer.status).toBe(400);
    expect(sandbox.faults.pending()).toBe(0);
  });
});

describe('the connector against the sandbox', () => {
  it("gives the digest the sandbox computes from the bytes it received", async () => {
    const ctx = recordingContext();
    const { supplierReference, sentDigest } = await connector().deliver('domain.register', registerPayload(), ctx);
    expect(supplierReference).toBe(contactHandleFor(ctx.transferId));
    expect(sandbox.domains()).toContainEqual({ registrant: supplierReference, receivedDigest: sentDigest });
  });

  it("does not take someone else's registration of the name for this transfer's: lookup finds nothing, delivery is refused as taken", async () => {
    const payload = registerPayload();
    await connector().deliver('domain.register', payload, recordingContext());

    const other = recordingContext();
    await expect(connector().lookup('domain.register', payload, other)).resolves.toBeNull();
    const refused = connector().deliver('domain.register', payload, other);
    await expect(refused).rejects.toBeInstanceOf(SupplierRejectedError);
    await expect(refused).rejects.toMatchObject({ code: 'domain_taken' });
  });

  it('a premium domain is a contract error (no price is agreed unseen), and discard removes the contact it left', async () => {
    const ctx = recordingContext();
    const refused = connector().deliver('domain.register', registerPayload({ domain: `premium-${process.pid}.nl` }), ctx);
    await expect(refused).rejects.toBeInstanceOf(SupplierContractError);
    await expect(refused).rejects.toMatchObject({ code: 'billable_acknowledgment_needed', retryable: false });
    const handle = contactHandleFor(ctx.transferId);
    expect(sandbox.contacts().map((contact) => contact.handle)).toContain(handle);

    await connector().discard('domain.register', ctx);
    expect(sandbox.contacts().map((contact) => contact.handle)).not.toContain(handle);
  });
});
