import { type DeliveryContext, SupplierContractError, SupplierRejectedError } from '../../src/connector-kit';
import { type Registrant, eppVoiceOf } from '../domain-register';
import type { RealtimeRegisterClient } from './client';

/**
 * A contact is a copy of the registrant's data at Realtime Register, under our customer. Its handle is ours to
 * choose, so it is derived from the transfer id: every attempt of a transfer names the same contact, and one
 * transfer makes at most one. Delivery state key (a supplier identifier, never a personal value):
 * - `contactHandle`: recorded once Realtime Register has answered, before the contact is requested.
 */
export interface ContactState {
  contactHandle?: string;
}

/** What a call needs of a delivery's or an erasure's context. */
export type CallContext = Pick<DeliveryContext, 'signal' | 'log'>;

/** The contact create body (dm.realtimeregister.com/docs/api/contacts/create), the fields we fill. */
interface ContactCreateBody {
  name: string;
  organization?: string;
  addressLine: string[];
  postalCode: string;
  city: string;
  state?: string;
  country: string;
  email: string;
  voice: string;
}

/** Realtime Register handles: `[a-zA-Z0-9\-_@.]{3,40}`. A transfer id (a UUID) without its dashes fits with room to spare. */
export function contactHandleFor(transferId: string): string {
  const handle = `sgw-${transferId.replace(/-/g, '').toLowerCase()}`;
  if (!/^[a-z0-9-]{3,40}$/.test(handle)) {
    throw new SupplierContractError('unusable_transfer_id', 'the transfer id does not make a Realtime Register contact handle');
  }
  return handle;
}

export function toContactBody(registrant: Registrant): ContactCreateBody {
  const { address } = registrant;
  return {
    name: [registrant.firstName, registrant.prefix, registrant.lastName].filter((part) => part !== undefined).join(' '),
    ...(registrant.companyName !== undefined && { organization: registrant.companyName }),
    addressLine: [[address.street, address.number, address.suffix].filter((part) => part !== undefined).join(' ')],
    postalCode: address.postalCode,
    city: address.city,
    ...(address.state !== undefined && { state: address.state }),
    country: address.country,
    email: registrant.email,
    voice: eppVoiceOf(registrant.phone),
  };
}

const contactPath = (client: RealtimeRegisterClient, handle: string) =>
  `/customers/${encodeURIComponent(client.customer)}/contacts/${encodeURIComponent(handle)}`;

/**
 * The registrant's contact for this transfer, made unless an earlier attempt made it. Asks first whether it
 * exists (which also proves credentials and trust before anything is recorded), records the handle, then
 * creates it when absent; an ObjectExists answer is an earlier attempt's request that landed meanwhile.
 * Returns the contact body bytes, for the digest: the same for every attempt of the transfer.
 */
export async function contactFor(client: RealtimeRegisterClient, registrant: Registrant, ctx: DeliveryContext): Promise<{ handle: string; contactBytes: Buffer }> {
  const handle = contactHandleFor(ctx.transferId);
  // Built first: a registrant Realtime Register cannot take (an impossible phone) is refused before anything is sent.
  const contactBytes = Buffer.from(JSON.stringify(toContactBody(registrant)), 'utf8');
  const existing = await client.find({ path: contactPath(client, handle), label: 'contacts.get', query: { fields: 'handle' }, signal: ctx.signal, log: ctx.log });
  const { contactHandle }: ContactState = ctx.state;
  if (contactHandle === undefined) await ctx.recordState({ ...ctx.state, contactHandle: handle });
  if (existing === null) {
    await client.create({
      method: 'POST',
      path: contactPath(client, handle),
      label: 'contacts.create',
      body: contactBytes,
      createsResource: true,
      signal: ctx.signal,
      log: ctx.log,
    });
  }
  return { handle, contactBytes };
}

/**
 * Deletes the contact unless a domain uses it: Realtime Register refuses that (the registry needs its registrant),
 * and on a refusal the connector asks whether a domain explains it instead of relying on an error type the docs
 * do not give. A refusal no domain explains is thrown.
 */
export async function deleteContact(client: RealtimeRegisterClient, handle: string, ctx: CallContext): Promise<'deleted' | 'absent' | 'in_use'> {
  try {
    return await client.remove({ path: contactPath(client, handle), label: 'contacts.delete', signal: ctx.signal, log: ctx.log });
  } catch (error) {
    if (error instanceof SupplierRejectedError && (await domainsUse(client, handle, ctx))) return 'in_use';
    throw error;
  }
}

/** Whether a domain of our customer has the handle as its registrant (the domain list, filtered by registrant). */
async function domainsUse(client: RealtimeRegisterClient, handle: string, ctx: CallContext): Promise<boolean> {
  const listed = (await client.call({
    method: 'GET',
    path: '/domains',
    label: 'domains.list',
    query: { registrant: handle, limit: 1, fields: 'registrant' },
    signal: ctx.signal,
    log: ctx.log,
  })) as { entities?: Array<{ registrant?: unknown }> } | undefined;
  if (!Array.isArray(listed?.entities)) throw new SupplierContractError('unreadable_reply', 'Realtime Register listed domains without entities');
  return listed.entities.some((domain) => domain.registrant === handle);
}
