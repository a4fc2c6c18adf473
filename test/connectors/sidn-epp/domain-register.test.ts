import { SupplierRejectedError } from '../../../src/connector-kit';
import { sidnEpp } from '../../../connectors/sidn-epp/connector';
import { eppVoiceOf } from '../../../connectors/domain-register';
import { legalFormOf, proposedContactIdOf } from '../../../connectors/sidn-epp/contacts';
import type { SidnSandbox } from '../../../connectors/sidn-epp/sandbox';
import { child, parseEpp, textOf } from '../../../connectors/sidn-epp/xml';
import { type RecordedFrame, commandsIn, recordedSandbox } from './support/sandbox';
import { CANARY, nextAttempt, recordingContext, registerPayload } from '../support/payloads';
import type { SidnEppConfig } from '../../../connectors/sidn-epp/connector';

const REGISTER = 'domain.register';
let sandbox: SidnSandbox;
let frames: RecordedFrame[];
let config: SidnEppConfig;

beforeAll(async () => {
  ({ sandbox, frames, config } = await recordedSandbox());
});
afterEach(() => {
  frames.length = 0;
  sandbox.faults.clear();
});
afterAll(() => sandbox.close());

/** The `<contact:create>` and its SIDN extension as the sandbox received them. */
function receivedContactCreate() {
  const frame = frames.find((candidate) => candidate.direction === 'received' && candidate.xml.includes('<contact:create'));
  const command = child(parseEpp(frame!.xml), 'command');
  return {
    create: child(child(command, 'create'), 'create'),
    legalForm: textOf(child(child(child(child(command, 'extension'), 'ext'), 'create'), 'contact'), 'legalForm'),
  };
}

test('a registrant without a company is PERSOON, with one ANDERS; the contact carries voice in EPP form, a postal code and the org', async () => {
  const connector = sidnEpp.create(config);
  try {
    await connector.deliver(REGISTER, registerPayload(), recordingContext());
    const person = receivedContactCreate();
    expect(person.legalForm).toBe('PERSOON');
    expect(textOf(person.create, 'voice')).toBe('+31.201234567');
    expect(textOf(child(child(person.create, 'postalInfo'), 'addr'), 'pc')).toBe(CANARY.postalCode);
    expect(child(child(person.create, 'postalInfo'), 'org')).toBeUndefined();

    frames.length = 0;
    await connector.deliver(REGISTER, registerPayload({ registrant: { ...registerPayload().registrant, companyName: 'Canary B.V.' } }), recordingContext());
    const company = receivedContactCreate();
    expect(company.legalForm).toBe('ANDERS');
    expect(textOf(child(company.create, 'postalInfo'), 'org')).toBe('Canary B.V.');
  } finally {
    await connector.close?.();
  }
});

test('the proposed contact id is 16 characters from the transfer id; the legal form follows the company name', () => {
  expect(proposedContactIdOf('0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b')).toBe('SGW0F8E1C2A3B4D4');
  expect(legalFormOf(registerPayload().registrant)).toBe('PERSOON');
  expect(legalFormOf({ ...registerPayload().registrant, companyName: 'X' })).toBe('ANDERS');
  expect(eppVoiceOf('+3212345678')).toBe('+32.12345678');
});

test('an impossible phone number is refused before anything is recorded or sent', async () => {
  const connector = sidnEpp.create(config);
  try {
    const ctx = recordingContext();
    const error = await connector.deliver(REGISTER, registerPayload({ registrant: { ...registerPayload().registrant, phone: '+3112' } }), ctx).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(SupplierRejectedError);
    expect(error).toMatchObject({ code: 'invalid_phone' });
    expect(ctx.recorded).toEqual([]);
    expect(commandsIn(frames).map(({ command }) => command)).not.toContain('contact:create');
  } finally {
    await connector.close?.();
  }
});

test('a retry after a lost contact:create answer finds the contact by its proposed id and sends no second contact:create', async () => {
  const connector = sidnEpp.create(config);
  try {
    const payload = registerPayload();
    const first = recordingContext();
    sandbox.faults.inject({ kind: 'drop_response' });
    await expect(connector.deliver(REGISTER, payload, first)).rejects.toMatchObject({ outcomeUnknown: true });
    expect(first.state).toEqual({ contactProposedId: proposedContactIdOf(first.transferId) });
    const contactsAfterLoss = sandbox.contacts().length;

    const retry = nextAttempt(first);
    const { supplierReference } = await connector.deliver(REGISTER, payload, retry);
    expect(sandbox.contacts()).toHaveLength(contactsAfterLoss);
    expect(commandsIn(frames).filter(({ command }) => command === 'contact:create')).toHaveLength(1);
    expect(sandbox.domains().find(({ roid }) => roid === supplierReference)?.registrant).toBe(retry.state.contactId);
  } finally {
    await connector.close?.();
  }
});
