import { type DeliveryContext, type DeliveryResult, type RecordErasure, type SubjectRecord, SupplierContractError, sha256Hex, type Operation } from '../../../src/connector-kit';
import { type DomainRegisterPayload, isDomainRegisterPayload } from '../../domain-register';
import type { OpenproviderClient } from '../client';
import { type CallContext, discardCustomers, eraseCustomers, ownerHandleFor } from '../customers';

/** `$id` of the agreed request schema (schemas/openprovider/v1/domain.register.request.schema.json). */
export const DOMAIN_REGISTER_SCHEMA_ID =
  'https://schemas.supplier-gateway.local/openprovider/v1/domain.register.request.schema.json';

/** The subset of swagger `domainCreateDomainRequest` we fill. */
export interface DomainCreateBody {
  domain: { name: string; extension: string };
  period: number;
  owner_handle: string;
  admin_handle: string;
  tech_handle: string;
  name_servers: Array<{ name: string }>;
}

/** Openprovider wants the first label apart from the rest: example.co.uk → example + co.uk. */
export function splitDomain(domain: string): { name: string; extension: string } {
  const dot = domain.indexOf('.');
  return { name: domain.slice(0, dot), extension: domain.slice(dot + 1) };
}

export function toDomainBody(payload: DomainRegisterPayload, ownerHandle: string): DomainCreateBody {
  return {
    domain: splitDomain(payload.domain),
    period: payload.period,
    owner_handle: ownerHandle,
    admin_handle: ownerHandle,
    tech_handle: ownerHandle,
    name_servers: payload.nameServers.map((name) => ({ name })),
  };
}

/**
 * Gets the owner handle (reused from an earlier attempt, or created and recorded first), then registers the
 * domain. `sentDigest` is the SHA-256 of the customers body bytes followed directly by the domains body
 * bytes: both carry personal data (the domain name is `user.unique_id` in the agreed schema), whichever
 * attempt sent the customer.
 */
async function deliverDomainRegister(
  client: OpenproviderClient,
  payload: DomainRegisterPayload,
  ctx: DeliveryContext,
): Promise<DeliveryResult> {
  const { handle, customerBytes } = await ownerHandleFor(client, payload.registrant, ctx);
  const domainBytes = jsonBytes(toDomainBody(payload, handle));
  const created = await client.call<{ id?: unknown }>({
    method: 'POST',
    path: '/domains',
    label: 'domains.create',
    body: domainBytes,
    createsResource: true,
    signal: ctx.signal,
    log: ctx.log,
  });
  const id = created.data?.id;
  if (typeof id !== 'number' && (typeof id !== 'string' || id === '')) {
    throw new SupplierContractError('op_missing_domain_id', 'Openprovider accepted the domain but returned no id');
  }
  return { supplierReference: String(id), sentDigest: sha256Hex(Buffer.concat([customerBytes, domainBytes])) };
}

/** Erases what a transfer left at Openprovider: its owner handle, unless a registered domain still needs it (see eraseCustomers). */
async function eraseDomainRegister(client: OpenproviderClient, record: SubjectRecord, ctx: CallContext): Promise<RecordErasure> {
  return eraseCustomers(client, async (handle) => (await standingDomains(client, { contact_handle: handle }, ctx)).length, record, ctx);
}

/** Removes the owner handle of a transfer that will not be delivered (see discardCustomers). */
async function discardDomainRegister(client: OpenproviderClient, ctx: DeliveryContext): Promise<void> {
  const ownsStandingDomain = async (handle: string) => (await standingDomains(client, { contact_handle: handle }, ctx)).length > 0;
  await discardCustomers(client, ownsStandingDomain, ctx);
}

interface ListedDomain {
  id?: unknown;
  status?: unknown;
  domain?: { name?: unknown; extension?: unknown };
}

/**
 * Openprovider's statuses of a registration that did not land or no longer stands: deleted (DEL) and failed
 * (FAI). A domain registered and deleted long ago stays listed; it must not pass for this attempt's order.
 */
const goneStatuses = new Set(['DEL', 'FAI']);

/** The account's domains that match `filter` and stand (not deleted, not failed). */
async function standingDomains(client: OpenproviderClient, filter: Record<string, string>, ctx: CallContext): Promise<ListedDomain[]> {
  const listed = await client.call<{ results?: ListedDomain[]; total?: number }>({
    method: 'GET',
    path: '/domains',
    label: 'domains.list',
    query: { ...filter, limit: 100 },
    signal: ctx.signal,
    log: ctx.log,
  });
  return (listed.data?.results ?? []).filter((result) => !goneStatuses.has(String(result.status)));
}

/** Finds the domain's standing registration in our Openprovider account; the full_name filter is checked again on our side. */
async function lookupDomainRegister(
  client: OpenproviderClient,
  payload: DomainRegisterPayload,
  ctx: DeliveryContext,
): Promise<{ supplierReference: string } | null> {
  const match = (await standingDomains(client, { full_name: payload.domain }, ctx)).find(
    (result) => `${String(result.domain?.name)}.${String(result.domain?.extension)}` === payload.domain,
  );
  if (!match) return null;
  if (typeof match.id !== 'number' && typeof match.id !== 'string') {
    throw new SupplierContractError('op_missing_domain_id', 'Openprovider listed the domain without an id');
  }
  return { supplierReference: String(match.id) };
}

function jsonBytes(body: object): Buffer {
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** `domain.register` over `client`. */
export function domainRegister(client: OpenproviderClient): Operation<DomainRegisterPayload> {
  return {
    isPayload: isDomainRegisterPayload,
    deliver: (payload, ctx) => deliverDomainRegister(client, payload, ctx),
    lookup: (payload, ctx) => lookupDomainRegister(client, payload, ctx),
    discard: (ctx) => discardDomainRegister(client, ctx),
    erase: (record, ctx) => eraseDomainRegister(client, record, ctx),
  };
}
