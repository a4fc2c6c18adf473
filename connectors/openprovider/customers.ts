import { type DeliveryContext, type RecordErasure, type SubjectRecord, SupplierContractError, SupplierRejectedError } from '../../src/connector-kit';
import type { Registrant } from '../domain-register';
import type { OpenproviderClient } from './client';
import { type OpenproviderPhone, splitPhone } from './phone';

/**
 * An owner handle is an Openprovider customer: a copy of the registrant's data at Openprovider. One
 * transfer makes at most one, however many attempts it takes, and a transfer that fails for good
 * removes it. Delivery state keys (supplier identifiers only, never a personal value):
 * - `customerTag`: recorded before the customer is requested, and sent as its `comments`, so that an
 *   attempt whose answer was lost (or whose worker died before recording the handle) can be found again;
 * - `customerHandle`: recorded as soon as Openprovider names it, before the domain is requested.
 */
interface CustomerState {
  customerTag?: string;
  customerHandle?: string;
}

/** What a call needs of a delivery's or an erasure's context. */
export type CallContext = Pick<DeliveryContext, 'signal' | 'log'>;

/** The registrant as Openprovider's `customerCreateCustomerRequest` (the subset we fill). */
interface CustomerCreateBody {
  name: { first_name: string; last_name: string; initials: string; prefix?: string };
  address: { street: string; number: string; suffix?: string; zipcode: string; city: string; state?: string; country: string };
  phone: OpenproviderPhone;
  email: string;
  company_name?: string;
  comments: string;
}

/** The `comments` of the customer made for a transfer: its id, which is no personal value. */
export function customerTagOf(transferId: string): string {
  return `supplier-gateway transfer ${transferId}`;
}

/** Openprovider requires initials; Dutch style from the given names: "Jan Peter" → "J.P." */
export function initialsOf(firstName: string): string {
  return firstName
    .split(/[\s-]+/)
    .filter((part) => part !== '')
    .map((part) => `${part.charAt(0).toLocaleUpperCase()}.`)
    .join('');
}

function toCustomerBody(registrant: Registrant, tag: string): CustomerCreateBody {
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
    comments: tag,
  };
}

/**
 * The owner handle for this transfer: the one an earlier attempt recorded; else, when an earlier
 * attempt requested one without learning its handle, the customer that request made (found by its tag);
 * else a new customer. Each step is recorded before the next call, so no attempt makes a second copy.
 * Also returns the customers body bytes, for the digest: the same for every attempt of the transfer.
 */
export async function ownerHandleFor(
  client: OpenproviderClient,
  registrant: Registrant,
  ctx: DeliveryContext,
): Promise<{ handle: string; customerBytes: Buffer }> {
  const { customerTag, customerHandle }: CustomerState = ctx.state;
  const tag = customerTag ?? customerTagOf(ctx.transferId);
  // Built first: a registrant Openprovider cannot take (an impossible phone) is refused before anything is recorded or sent.
  const customerBytes = Buffer.from(JSON.stringify(toCustomerBody(registrant, tag)), 'utf8');
  if (customerHandle !== undefined) return { handle: customerHandle, customerBytes };
  if (customerTag === undefined) {
    // Logged in first: refused credentials or an untrusted certificate then leave nothing recorded,
    // so discard does not go looking for a customer that cannot exist.
    await client.session(ctx.signal);
    await ctx.recordState({ ...ctx.state, customerTag: tag });
  } else {
    const [earlier] = await customersTagged(client, customerTag, ctx);
    if (earlier !== undefined) {
      await ctx.recordState({ ...ctx.state, customerHandle: earlier });
      return { handle: earlier, customerBytes };
    }
  }
  const handle = await createCustomer(client, customerBytes, ctx);
  await ctx.recordState({ ...ctx.state, customerTag: tag, customerHandle: handle });
  return { handle, customerBytes };
}

async function createCustomer(client: OpenproviderClient, customerBytes: Buffer, ctx: DeliveryContext): Promise<string> {
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
  return handle;
}

interface ListedCustomer {
  handle?: unknown;
  comments?: unknown;
  is_deleted?: unknown;
}

/**
 * Handles of the live customers whose `comments` are exactly `tag`. `comment_pattern` narrows the list at
 * Openprovider; the exact comparison here keeps a partial match (or a wildcard) from passing for ours.
 */
async function customersTagged(client: OpenproviderClient, tag: string, ctx: CallContext): Promise<string[]> {
  const listed = await client.call<{ results?: ListedCustomer[] }>({
    method: 'GET',
    path: '/customers',
    label: 'customers.list',
    query: { comment_pattern: tag, limit: 100 },
    signal: ctx.signal,
    log: ctx.log,
  });
  return (listed.data?.results ?? [])
    .filter((customer) => customer.comments === tag && customer.is_deleted !== true)
    .map((customer) => customer.handle)
    .filter((handle): handle is string => typeof handle === 'string' && handle !== '');
}

/**
 * Deletes the customers this transfer's attempts made: the recorded handle, and any customer carrying
 * the transfer's tag (one whose handle was never recorded). A handle that a standing domain uses is kept:
 * removing it would take the domain's owner away. Already gone counts as done.
 */
export async function discardCustomers(
  client: OpenproviderClient,
  ownsStandingDomain: (handle: string) => Promise<boolean>,
  ctx: DeliveryContext,
): Promise<void> {
  const { customerTag, customerHandle }: CustomerState = ctx.state;
  const tagged = customerTag === undefined ? [] : await customersTagged(client, customerTag, ctx);
  const handles = new Set(customerHandle === undefined ? tagged : [customerHandle, ...tagged]);
  // Forgotten before it is deleted: an attempt after this one (the worker died before the transfer was marked
  // failed) must not name a deleted handle; a customer not deleted yet is still found by its tag.
  if (customerHandle !== undefined) {
    const { customerHandle: _forgotten, ...rest } = ctx.state;
    await ctx.recordState(rest);
  }
  for (const handle of handles) {
    if (await ownsStandingDomain(handle)) {
      ctx.log.warn('openprovider customer kept: a domain uses it', { call: 'customers.delete' });
      continue;
    }
    await deleteCustomer(client, handle, ctx);
  }
}

function deleteCustomer(client: OpenproviderClient, handle: string, ctx: CallContext): Promise<'deleted' | 'absent'> {
  return client.remove({ path: `/customers/${encodeURIComponent(handle)}`, label: 'customers.delete', signal: ctx.signal, log: ctx.log });
}

/**
 * Erases the subject's data that one transfer left at Openprovider: the customers it made (the recorded
 * handle, and any carrying its tag). Openprovider refuses to delete a customer that owns a domain; when a
 * standing domain does, the customer is `retained` with the registry's reason, never a failure. Any other
 * refusal is thrown. `standingDomainsOf` counts the standing domains a handle owns.
 */
export async function eraseCustomers(
  client: OpenproviderClient,
  standingDomainsOf: (handle: string) => Promise<number>,
  record: SubjectRecord,
  ctx: CallContext,
): Promise<RecordErasure> {
  const { customerTag, customerHandle }: CustomerState = record.state;
  const tagged = customerTag === undefined ? [] : await customersTagged(client, customerTag, ctx);
  let deleted = 0;
  let domainsKept = 0;
  for (const handle of new Set(customerHandle === undefined ? tagged : [customerHandle, ...tagged])) {
    try {
      if ((await deleteCustomer(client, handle, ctx)) === 'deleted') deleted += 1;
    } catch (error) {
      const domains = error instanceof SupplierRejectedError ? await standingDomainsOf(handle) : 0;
      if (domains === 0) throw error;
      domainsKept += domains;
    }
  }
  const { transferId } = record;
  if (domainsKept > 0) {
    return {
      transferId,
      status: 'retained',
      reason:
        `Openprovider keeps the registrant's data: the customer made for this transfer is the owner of ${domainsKept} registered domain(s), and the ` +
        'registry requires the registrant\'s data for as long as the domain exists. It can be erased once the domain is deleted or has another owner.',
    };
  }
  if (deleted > 0) return { transferId, status: 'completed', reason: `Openprovider deleted the customer made for this transfer (${deleted} customer record(s)).` };
  return { transferId, status: 'not_found', reason: 'Openprovider holds no customer made for this transfer: none was made, or it was deleted already.' };
}
