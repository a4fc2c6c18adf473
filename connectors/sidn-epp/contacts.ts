import { createHash } from 'node:crypto';
import { type DeliveryContext, type RecordErasure, type SubjectRecord, SupplierContractError } from '../../src/connector-kit';
import { type Registrant, eppVoiceOf } from '../domain-register';
import { type ContactCreate, type LegalForm, contactCreateFrame, contactDeleteFrame, contactInfoFrame } from './commands';
import { EPP } from './result-codes';
import type { EppSession } from './session';
import { child, textOf } from './xml';

/**
 * The registrant is one SIDN contact per transfer, however many attempts it takes. Delivery state keys
 * (supplier identifiers only, never a personal value):
 * - `contactProposedId`: recorded before contact:create, which proposes it as `contact:id`; SIDN assigns its own
 *   id, and the connector relies on finding the contact by the proposed one (see README, "One contact per transfer");
 * - `contactId`: the id SIDN assigned, recorded as soon as it answers, before the domain is requested.
 */
interface ContactState {
  contactProposedId?: string;
  contactId?: string;
}

/** What a command needs of a delivery's or an erasure's context; `clTRID` is the transfer id. */
export interface CallContext {
  signal: AbortSignal;
  log: DeliveryContext['log'];
  clTRID: string;
}

/** `SGW` and 13 hex digits of the transfer id: 16 characters, the most `contact:id` allows (eppcom clIDType). */
export function proposedContactIdOf(transferId: string): string {
  return `SGW${transferId.replace(/-/g, '').slice(0, 13).toUpperCase()}`;
}

/** SIDN's legal form: an organisation's name makes it one (`ANDERS`, "other"), else a natural person (`PERSOON`). */
export const legalFormOf = (registrant: Registrant): LegalForm => (registrant.companyName === undefined ? 'PERSOON' : 'ANDERS');

/**
 * contact:create of a transfer: the same bytes on every attempt (the digest covers them whichever attempt sent
 * them), so its authInfo is derived from the transfer id. SIDN does not use a contact's authInfo; RFC 5733 requires one.
 */
export function contactCreateXml(registrant: Registrant, transferId: string): string {
  const { address } = registrant;
  const contact: ContactCreate = {
    proposedId: proposedContactIdOf(transferId),
    name: [registrant.firstName, registrant.prefix, registrant.lastName].filter((part) => part !== undefined).join(' '),
    org: registrant.companyName,
    street: [address.street, address.number, address.suffix].filter((part) => part !== undefined).join(' '),
    city: address.city,
    state: address.state,
    postalCode: address.postalCode,
    country: address.country,
    voice: eppVoiceOf(registrant.phone),
    email: registrant.email,
    authInfo: createHash('sha256').update(`contact authInfo ${transferId}`).digest('base64url').slice(0, 16),
    legalForm: legalFormOf(registrant),
  };
  return contactCreateFrame(contact, transferId);
}

/**
 * The registrant contact for this transfer: the one an earlier attempt recorded; else, when an earlier attempt
 * sent contact:create without learning the id, the contact found by the proposed id; else a new contact. Each
 * step is recorded before the next command. Also returns the contact:create XML, for the digest.
 */
export async function contactFor(session: EppSession, registrant: Registrant, ctx: DeliveryContext, call: CallContext): Promise<{ contactId: string; contactXml: string }> {
  const { contactProposedId, contactId }: ContactState = ctx.state;
  // Built first: a registrant SIDN cannot take (an impossible phone) is refused before anything is recorded or sent.
  const contactXml = contactCreateXml(registrant, ctx.transferId);
  if (contactId !== undefined) return { contactId, contactXml };
  const proposedId = proposedContactIdOf(ctx.transferId);
  if (contactProposedId === undefined) {
    await ctx.recordState({ ...ctx.state, contactProposedId: proposedId });
  } else {
    const earlier = await findContact(session, contactProposedId, call);
    if (earlier !== undefined) {
      await ctx.recordState({ ...ctx.state, contactId: earlier });
      return { contactId: earlier, contactXml };
    }
  }
  const created = await session.send({ label: 'contact:create', xml: contactXml, transform: true, ...call });
  const assigned = textOf(child(created.data, 'creData'), 'id');
  if (!assigned) throw new SupplierContractError('epp_missing_contact_id', 'SIDN created a contact but returned no id');
  await ctx.recordState({ ...ctx.state, contactId: assigned });
  return { contactId: assigned, contactXml };
}

/** The id SIDN assigned to the contact proposed as `proposedId`, or undefined when there is none (2303). */
async function findContact(session: EppSession, proposedId: string, call: CallContext): Promise<string | undefined> {
  const info = await session.send({ label: 'contact:info', xml: contactInfoFrame(proposedId, call.clTRID), transform: false, accept: [EPP.objectDoesNotExist], ...call });
  if (info.code === EPP.objectDoesNotExist) return undefined;
  const id = textOf(child(info.data, 'infData'), 'id');
  if (!id) throw new SupplierContractError('epp_missing_contact_id', 'SIDN answered contact:info without an id');
  return id;
}

/** The transfer's contact: the recorded id, else the one found by the proposed id; undefined when it made none. */
export async function transferContactOf(session: EppSession, state: ContactState, call: CallContext): Promise<string | undefined> {
  if (state.contactId !== undefined) return state.contactId;
  return state.contactProposedId === undefined ? undefined : findContact(session, state.contactProposedId, call);
}

/** The contacts a transfer's attempts made: the recorded id, and the one found by the proposed id. */
async function contactsOf(session: EppSession, state: ContactState, call: CallContext): Promise<Set<string>> {
  const found = state.contactProposedId === undefined ? undefined : await findContact(session, state.contactProposedId, call);
  return new Set([state.contactId, found].filter((id): id is string => id !== undefined));
}

type Deletion = 'deleted' | 'absent' | 'linked';

async function deleteContact(session: EppSession, id: string, call: CallContext): Promise<Deletion> {
  const accept = [EPP.objectDoesNotExist, EPP.associationProhibitsOperation];
  const { code } = await session.send({ label: 'contact:delete', xml: contactDeleteFrame(id, call.clTRID), transform: true, accept, ...call });
  return code === EPP.objectDoesNotExist ? 'absent' : code === EPP.associationProhibitsOperation ? 'linked' : 'deleted';
}

/**
 * Deletes the contacts this transfer's attempts made. One a domain uses is kept (SIDN refuses with 2305): deleting
 * it would take the domain's registrant away. Already gone counts as done. The recorded id is forgotten first: a
 * later attempt must not name a deleted contact; one not deleted yet is still found by the proposed id.
 */
export async function discardContacts(session: EppSession, ctx: DeliveryContext, call: CallContext): Promise<void> {
  const state: ContactState = ctx.state;
  if (state.contactProposedId === undefined && state.contactId === undefined) return;
  const ids = await contactsOf(session, state, call);
  if (state.contactId !== undefined) {
    const { contactId: _forgotten, ...rest } = ctx.state;
    await ctx.recordState(rest);
  }
  for (const id of ids) {
    if ((await deleteContact(session, id, call)) === 'linked') ctx.log.warn('sidn contact kept: a domain uses it', { command: 'contact:delete' });
  }
}

/** Erases the contacts one transfer left at SIDN; a contact a domain uses is `retained` with the registry's reason. */
export async function eraseContacts(session: EppSession, record: SubjectRecord, call: CallContext): Promise<RecordErasure> {
  const state: ContactState = record.state;
  const { transferId } = record;
  const ids = state.contactProposedId === undefined && state.contactId === undefined ? new Set<string>() : await contactsOf(session, state, call);
  const outcomes: Deletion[] = [];
  for (const id of ids) outcomes.push(await deleteContact(session, id, call));
  const linked = outcomes.filter((outcome) => outcome === 'linked').length;
  const deleted = outcomes.filter((outcome) => outcome === 'deleted').length;
  if (linked > 0) {
    return {
      transferId,
      status: 'retained',
      reason:
        `SIDN keeps the registrant's data: the contact made for this transfer is linked to a registered .nl domain (EPP 2305), and the ` +
        "registry must hold the registrant's data for as long as the domain exists. It can be erased once the domain is deleted or has another registrant.",
    };
  }
  if (deleted > 0) return { transferId, status: 'completed', reason: `SIDN deleted the contact made for this transfer (${deleted} contact record(s)).` };
  return { transferId, status: 'not_found', reason: 'SIDN holds no contact made for this transfer: none was made, or it was deleted already.' };
}
