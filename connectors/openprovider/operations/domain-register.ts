import { type DeliveryContext, type DeliveryResult, SupplierContractError, SupplierUnavailableError, sha256Hex } from '../../../src/connector-kit';
import type { OpenproviderClient } from '../client';
import type { OpenproviderReply } from '../error-mapping';
import { type OpenproviderPhone, splitPhone } from '../phone';

/** `$id` of the agreed request schema (schemas/openprovider/v1/domain.register.request.schema.json). */
export const DOMAIN_REGISTER_SCHEMA_ID =
  'https://schemas.supplier-gateway.local/openprovider/v1/domain.register.request.schema.json';

/** The payload after the gateway validated it against the agreed schema. */
export interface DomainRegisterPayload {
  domain: string;
  period: number;
  nameServers: string[];
  registrant: {
    firstName: string;
    lastName: string;
    initials?: string;
    prefix?: string;
    companyName?: string;
    email: string;
    phone: string;
    address: { street: string; number: string; suffix?: string; postalCode: string; city: string; state?: string; country: string };
  };
}

/** The subset of swagger `customerCreateCustomerRequest` we fill. */
export interface CustomerCreateBody {
  name: { first_name: string; last_name: string; initials: string; prefix?: string };
  address: { street: string; number: string; suffix?: string; zipcode: string; city: string; state?: string; country: string };
  phone: OpenproviderPhone;
  email: string;
  company_name?: string;
}

/** The subset of swagger `domainCreateDomainRequest` we fill. */
export interface DomainCreateBody {
  domain: { name: string; extension: string };
  period: number;
  owner_handle: string;
  admin_handle: string;
  tech_handle: string;
  name_servers: Array<{ name: string }>;
}

/** Openprovider requires initials; Dutch style from the given names: "Jan Peter" → "J.P." */
export function initialsOf(firstName: string): string {
  return firstName
    .split(/[\s-]+/)
    .filter((part) => part !== '')
    .map((part) => `${part.charAt(0).toLocaleUpperCase()}.`)
    .join('');
}

export function toCustomerBody(registrant: DomainRegisterPayload['registrant']): CustomerCreateBody {
  const { address } = registrant;
  return {
    name: {
      first_name: registrant.firstName,
      last_name: registrant.lastName,
      initials: registrant.initials ?? initialsOf(registrant.firstName),
      ...(registrant.prefix !== undefined && { prefix: registrant.prefix }),
    },
    address: {
      street: address.street,
      number: address.number,
      ...(address.suffix !== undefined && { suffix: address.suffix }),
      zipcode: address.postalCode,
      city: address.city,
      ...(address.state !== undefined && { state: address.state }),
      country: address.country,
    },
    phone: splitPhone(registrant.phone),
    email: registrant.email,
    ...(registrant.companyName !== undefined && { company_name: registrant.companyName }),
  };
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
 * Creates the owner handle, then the domain. `sentDigest` is the SHA-256 of the customers body bytes
 * followed directly by the domains body bytes: both carry personal data (the domain name is
 * `user.unique_id` in the agreed schema), and both are hashed exactly as sent.
 */
export async function deliverDomainRegister(
  client: OpenproviderClient,
  payload: DomainRegisterPayload,
  ctx: DeliveryContext,
): Promise<DeliveryResult> {
  const customerBytes = jsonBytes(toCustomerBody(payload.registrant));
  const customer = await client.call<{ handle?: unknown }>({
    method: 'POST',
    path: '/customers',
    label: 'customers.create',
    body: customerBytes,
    createsResource: true,
    signal: ctx.signal,
    log: ctx.log,
  });
  const handle = customer.data?.handle;
  if (typeof handle !== 'string' || handle === '') {
    throw new SupplierContractError('op_missing_handle', 'Openprovider created a customer but returned no handle');
  }
  const domainBytes = jsonBytes(toDomainBody(payload, handle));
  let created: OpenproviderReply<{ id?: unknown }>;
  try {
    created = await client.call<{ id?: unknown }>({
      method: 'POST',
      path: '/domains',
      label: 'domains.create',
      body: domainBytes,
      createsResource: true,
      signal: ctx.signal,
      log: ctx.log,
    });
  } catch (error) {
    // No domain came of it, so the handle would keep the registrant's data at Openprovider for nothing (the next
    // attempt makes its own). Unless the outcome is unknown: then the domain may exist, and own the handle.
    if (!(error instanceof SupplierUnavailableError && error.outcomeUnknown)) await deleteCustomer(client, handle, ctx);
    throw error;
  }
  const id = created.data?.id;
  if (typeof id !== 'number' && (typeof id !== 'string' || id === '')) {
    throw new SupplierContractError('op_missing_domain_id', 'Openprovider accepted the domain but returned no id');
  }
  return { supplierReference: String(id), sentDigest: sha256Hex(Buffer.concat([customerBytes, domainBytes])) };
}

/** Best effort: a failed delete is logged by the client (call name and code only) and leaves the delivery's own error in charge. */
export async function deleteCustomer(client: OpenproviderClient, handle: string, ctx: DeliveryContext): Promise<void> {
  await client
    .call({ method: 'DELETE', path: `/customers/${encodeURIComponent(handle)}`, label: 'customers.delete', signal: ctx.signal, log: ctx.log })
    .catch(() => undefined);
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

/** Finds the domain's standing registration in our Openprovider account; the full_name filter is checked again on our side. */
export async function lookupDomainRegister(
  client: OpenproviderClient,
  payload: DomainRegisterPayload,
  ctx: DeliveryContext,
): Promise<{ supplierReference: string } | null> {
  const listed = await client.call<{ results?: ListedDomain[]; total?: number }>({
    method: 'GET',
    path: '/domains',
    label: 'domains.list',
    query: { full_name: payload.domain, limit: 10 },
    signal: ctx.signal,
    log: ctx.log,
  });
  const match = (listed.data?.results ?? []).find(
    (result) => `${String(result.domain?.name)}.${String(result.domain?.extension)}` === payload.domain && !goneStatuses.has(String(result.status)),
  );
  if (!match) return null;
  if (typeof match.id !== 'number' && typeof match.id !== 'string') {
    throw new SupplierContractError('op_missing_domain_id', 'Openprovider listed the domain without an id');
  }
  return { supplierReference: String(match.id) };
}

/** A shape check only: the gateway validated the payload against the agreed schema already. */
export function isDomainRegisterPayload(payload: unknown): payload is DomainRegisterPayload {
  const candidate = payload as Partial<DomainRegisterPayload> | null;
  return (
    typeof candidate?.domain === 'string' &&
    candidate.domain.includes('.') &&
    Array.isArray(candidate.nameServers) &&
    typeof candidate.registrant?.address === 'object' &&
    candidate.registrant.address !== null
  );
}

function jsonBytes(body: object): Buffer {
  return Buffer.from(JSON.stringify(body), 'utf8');
}
