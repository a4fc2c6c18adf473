import {
  type DeliveryContext,
  type DeliveryResult,
  type RecordErasure,
  type SubjectRecord,
  SupplierRejectedError,
  type Operation,
  sha256Hex,
} from '../../../src/connector-kit';
import { type DomainRegisterPayload, isDomainRegisterPayload } from '../../domain-register';
import type { RealtimeRegisterClient } from '../client';
import { type CallContext, type ContactState, contactFor, contactHandleFor, deleteContact } from '../contacts';

/** `$id` of the agreed request schema (schemas/realtimeregister/v1/domain.register.request.schema.json). */
export const DOMAIN_REGISTER_SCHEMA_ID =
  'https://schemas.supplier-gateway.local/realtimeregister/v1/domain.register.request.schema.json';

/** The domain register body (dm.realtimeregister.com/docs/api/domains/register), the fields we fill. */
export interface DomainCreateBody {
  customer: string;
  registrant: string;
  contacts: Array<{ role: 'ADMIN' | 'BILLING' | 'TECH'; handle: string }>;
  ns: string[];
  /** In months. */
  period: number;
}

export function toDomainBody(payload: DomainRegisterPayload, customer: string, handle: string): DomainCreateBody {
  return {
    customer,
    registrant: handle,
    contacts: (['ADMIN', 'BILLING', 'TECH'] as const).map((role) => ({ role, handle })),
    ns: payload.nameServers,
    period: payload.period * 12,
  };
}

const domainPath = (domain: string) => `/domains/${encodeURIComponent(domain)}`;

/**
 * Makes (or reuses) the transfer's contact, then registers the domain with it in every role. Realtime Register
 * names a domain only by its name, a personal value (`user.unique_id` in the agreed schema), so the reference is
 * the registrant handle the domain was registered with. `sentDigest` is the SHA-256 of the contact body bytes
 * followed directly by the domain body bytes, whichever attempt sent the contact.
 */
async function deliverDomainRegister(client: RealtimeRegisterClient, payload: DomainRegisterPayload, ctx: DeliveryContext): Promise<DeliveryResult> {
  const { handle, contactBytes } = await contactFor(client, payload.registrant, ctx);
  const domainBytes = Buffer.from(JSON.stringify(toDomainBody(payload, client.customer, handle)), 'utf8');
  const outcome = await client.create({
    method: 'POST',
    path: domainPath(payload.domain),
    label: 'domains.create',
    body: domainBytes,
    createsResource: true,
    signal: ctx.signal,
    log: ctx.log,
  });
  if (outcome === 'exists') throw new SupplierRejectedError('domain_taken', 'the domain is already registered');
  return { supplierReference: handle, sentDigest: sha256Hex(Buffer.concat([contactBytes, domainBytes])) };
}

/** The domain's registration counts only when its registrant is this transfer's contact: not an old one, not someone else's. */
async function lookupDomainRegister(client: RealtimeRegisterClient, payload: DomainRegisterPayload, ctx: DeliveryContext): Promise<{ supplierReference: string } | null> {
  const handle = contactHandleFor(ctx.transferId);
  const domain = (await client.find({ path: domainPath(payload.domain), label: 'domains.get', query: { fields: 'registrant' }, signal: ctx.signal, log: ctx.log })) as {
    registrant?: unknown;
  } | null;
  return domain?.registrant === handle ? { supplierReference: handle } : null;
}

/** Removes the contact of a transfer that will not be delivered; one a standing domain uses stays. */
async function discardDomainRegister(client: RealtimeRegisterClient, ctx: DeliveryContext): Promise<void> {
  const { contactHandle }: ContactState = ctx.state;
  if (contactHandle === undefined) return;
  if ((await deleteContact(client, contactHandle, ctx)) === 'in_use') {
    ctx.log.warn('realtimeregister contact kept: a domain uses it', { call: 'contacts.delete' });
  }
}

/** Erases the contact a transfer made: `retained` while a domain has it as registrant, which the registry requires. */
async function eraseDomainRegister(client: RealtimeRegisterClient, record: SubjectRecord, ctx: CallContext): Promise<RecordErasure> {
  const { transferId } = record;
  const { contactHandle }: ContactState = record.state;
  const outcome = contactHandle === undefined ? 'absent' : await deleteContact(client, contactHandle, ctx);
  if (outcome === 'in_use') {
    return {
      transferId,
      status: 'retained',
      reason:
        "Realtime Register keeps the registrant's data: the contact made for this transfer is the registrant of a registered domain, and the " +
        "registry requires the registrant's data for as long as the domain exists. It can be erased once the domain is deleted or has another registrant.",
    };
  }
  if (outcome === 'deleted') return { transferId, status: 'completed', reason: 'Realtime Register deleted the contact made for this transfer.' };
  return { transferId, status: 'not_found', reason: 'Realtime Register holds no contact made for this transfer: none was made, or it was deleted already.' };
}

/** `domain.register` over `client`. */
export function domainRegister(client: RealtimeRegisterClient): Operation<DomainRegisterPayload> {
  return {
    isPayload: isDomainRegisterPayload,
    deliver: (payload, ctx) => deliverDomainRegister(client, payload, ctx),
    lookup: (payload, ctx) => lookupDomainRegister(client, payload, ctx),
    discard: (ctx) => discardDomainRegister(client, ctx),
    erase: (record, ctx) => eraseDomainRegister(client, record, ctx),
  };
}
