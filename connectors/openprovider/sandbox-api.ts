import type { SandboxAnswer } from '../sandbox-http';
import { type Hash, createHash, randomBytes } from 'node:crypto';
import { OP_DOMAIN_EXISTS } from './error-mapping';
import { splitDomain } from './operations/domain-register';

/**
 * Reply codes the sandbox uses: 196 "Authentication/Authorization Failed" and 346 "Domain exists" as
 * Openprovider answers them; 10 for any other refusal, which the real API spreads over many codes.
 */
export const SANDBOX_CODES = { invalidRequest: 10, authFailed: 196, domainExists: OP_DOMAIN_EXISTS } as const;


export interface SandboxDomain {
  name: string;
  id: number;
  ownerHandle: string;
  /** SHA-256 (hex) of the bytes received that carry the registrant's data: its customer's body, then this domain's. */
  receivedDigest: string;
}

/** A customer as the sandbox keeps it: its handle and the domains it owns, nothing of the person. */
export interface SandboxCustomer {
  handle: string;
  domainIds: number[];
}

/** swagger `errorError`; `desc` never repeats a submitted value, only field names. */
export function errorAnswer(status: number, code: number, desc: string): SandboxAnswer {
  return { status, body: { code, desc, data: '' } };
}

const success = (data: unknown): SandboxAnswer => ({ status: 200, body: { code: 0, desc: '', data } });

// A tiny structural validator: enough to refuse what the real API refuses for this subset,
// and to refuse field names the swagger does not know, so a misspelling fails in tests.
type Check = (value: unknown, path: string) => string | undefined;

const text = (pattern?: RegExp): Check => (value, path) =>
  typeof value === 'string' && value !== '' && (!pattern || pattern.test(value)) ? undefined : `Invalid or missing field: ${path}`;

const integer = (min: number, max: number): Check => (value, path) =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max ? undefined : `Invalid or missing field: ${path}`;

function object(known: readonly string[], checks: Record<string, Check>, required: readonly string[]): Check {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `Invalid or missing field: ${path}`;
    const record = value as Record<string, unknown>;
    const unknownKey = Object.keys(record).find((key) => !known.includes(key));
    if (unknownKey !== undefined) return `unknown field "${path ? `${path}.` : ''}${unknownKey}"`;
    for (const key of required) if (record[key] === undefined) return `Invalid or missing field: ${path ? `${path}.` : ''}${key}`;
    for (const [key, check] of Object.entries(checks)) {
      if (record[key] === undefined) continue;
      const problem = check(record[key], path ? `${path}.${key}` : key);
      if (problem) return problem;
    }
    return undefined;
  };
}

const arrayOf = (item: Check, minItems: number): Check => (value, path) => {
  if (!Array.isArray(value) || value.length < minItems) return `Invalid or missing field: ${path}`;
  for (const [index, element] of value.entries()) {
    const problem = item(element, `${path}[${index}]`);
    if (problem) return problem;
  }
  return undefined;
};

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const checkLogin = object(['ip', 'password', 'username'], { username: text(), password: text() }, ['username', 'password']);

const checkCustomer = object(
  ['additional_data', 'address', 'comments', 'company_name', 'email', 'extension_additional_data', 'fax', 'locale', 'name', 'phone', 'tags', 'vat'],
  {
    name: object(['first_name', 'full_name', 'initials', 'last_name', 'prefix'],
      { first_name: text(), last_name: text(), initials: text(), prefix: text() }, ['first_name', 'last_name', 'initials']),
    address: object(['city', 'country', 'number', 'state', 'street', 'suffix', 'zipcode'],
      { street: text(), number: text(), suffix: text(), zipcode: text(), city: text(), state: text(), country: text(/^[A-Z]{2}$/) },
      ['street', 'number', 'zipcode', 'city', 'country']),
    phone: object(['area_code', 'country_code', 'subscriber_number'],
      { country_code: text(/^\+[1-9][0-9]{0,2}$/), area_code: text(/^[0-9]+$/), subscriber_number: text(/^[0-9]+$/) },
      ['country_code', 'area_code', 'subscriber_number']),
    email: text(/^[^\s@]+@[^\s@]+\.[^\s@]+$/),
    company_name: text(),
    comments: text(),
  },
  ['name', 'address', 'phone', 'email'],
);

const DOMAIN_REQUEST_FIELDS = [
  'accept_eap_fee', 'accept_premium_fee', 'additional_data', 'admin_handle', 'application_mode', 'application_notice_id',
  'application_smd', 'auth_code', 'autorenew', 'billing_handle', 'comments', 'dnssec_keys', 'domain', 'is_dnssec_enabled',
  'is_easy_dmarc_enabled', 'is_private_whois_enabled', 'is_sectigo_dns_enabled', 'is_spamexperts_enabled', 'name_servers',
  'ns_group', 'ns_template_id', 'ns_template_name', 'owner_handle', 'period', 'promo_code', 'provider', 'reseller_handle',
  'tech_handle', 'unit', 'use_domicile',
] as const;

const checkDomain = object(
  DOMAIN_REQUEST_FIELDS,
  {
    domain: object(['extension', 'name'],
      { name: text(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/), extension: text(/^[a-z0-9.]{2,63}$/) }, ['name', 'extension']),
    period: integer(1, 10),
    owner_handle: text(),
    admin_handle: text(),
    tech_handle: text(),
    name_servers: arrayOf(object(['ip', 'ip6', 'name', 'seq_nr'], { name: text(HOSTNAME) }, ['name']), 1),
  },
  ['domain', 'period', 'owner_handle', 'admin_handle', 'tech_handle', 'name_servers'],
);

/** In-memory Openprovider: keeps tokens, domains and customers' handles and comments, never the contact data itself. */
export class SandboxApi {
  private readonly tokens = new Set<string>();
  /** Handle → the customer's `comments`, which `comment_pattern` searches, and the digest of the body that made it, not yet final. */
  private readonly customerByHandle = new Map<string, { id: number; comments: string; bodyDigest: Hash }>();
  private readonly registered = new Map<string, SandboxDomain>();
  private customerCount = 0;
  private nextDomainId = 1_000_001;

  constructor(private readonly credentials: { username: string; password: string }) {}

  expireTokens(): void {
    this.tokens.clear();
  }

  domains(): SandboxDomain[] {
    return [...this.registered.values()].map((domain) => ({ ...domain }));
  }

  customers(): SandboxCustomer[] {
    return [...this.customerByHandle.keys()].map((handle) => ({ handle, domainIds: this.domainsOwnedBy(handle).map((domain) => domain.id) }));
  }

  /** Answers a request; `bodyText` is its body as received, `body` the same parsed. */
  handle(method: string, path: string, query: URLSearchParams, bodyText: string, body: unknown, authorization: string | undefined): SandboxAnswer {
    if (method === 'POST' && path === '/auth/login') return this.login(body);
    if (!this.tokens.has(authorization?.replace(/^Bearer /, '') ?? '')) {
      return errorAnswer(401, SANDBOX_CODES.authFailed, 'Authentication/Authorization Failed');
    }
    if (method === 'POST' && path === '/customers') return this.createCustomer(bodyText, body);
    if (method === 'GET' && path === '/customers') return this.listCustomers(query);
    if (method === 'DELETE' && path.startsWith('/customers/')) return this.deleteCustomer(decodeURIComponent(path.slice('/customers/'.length)));
    if (method === 'POST' && path === '/domains') return this.createDomain(bodyText, body);
    if (method === 'GET' && path === '/domains') return this.listDomains(query);
    return errorAnswer(404, SANDBOX_CODES.invalidRequest, 'Not found');
  }

  private login(body: unknown): SandboxAnswer {
    const problem = checkLogin(body, '');
    if (problem) return errorAnswer(400, SANDBOX_CODES.invalidRequest, problem);
    const { username, password } = body as { username: string; password: string };
    if (username !== this.credentials.username || password !== this.credentials.password) {
      return errorAnswer(401, SANDBOX_CODES.authFailed, 'Authentication/Authorization Failed');
    }
    const token = randomBytes(16).toString('hex');
    this.tokens.add(token);
    return success({ token, reseller_id: 100001 });
  }

  private createCustomer(bodyText: string, body: unknown): SandboxAnswer {
    const problem = checkCustomer(body, '');
    if (problem) return errorAnswer(400, SANDBOX_CODES.invalidRequest, problem);
    const { name, address, comments } = body as { name: { first_name: string; last_name: string }; address: { country: string }; comments?: string };
    this.customerCount += 1;
    const handle = `${letterOf(name.first_name)}${letterOf(name.last_name)}${String(this.customerCount).padStart(6, '0')}-${address.country}`;
    this.customerByHandle.set(handle, { id: this.customerCount, comments: comments ?? '', bodyDigest: createHash('sha256').update(bodyText) });
    return success({ handle });
  }

  /** `comment_pattern` matches the whole comment, `*` standing for any text, as Openprovider documents it. */
  private listCustomers(query: URLSearchParams): SandboxAnswer {
    const pattern = query.get('comment_pattern');
    const matches = pattern === null ? () => true : wholeValuePattern(pattern);
    const all = [...this.customerByHandle].filter(([, customer]) => matches(customer.comments));
    const results = page(all, query).map(([handle, customer]) => ({ id: customer.id, handle, comments: customer.comments }));
    return success({ results, total: all.length });
  }

  /** Like Openprovider, refuses to delete a handle a domain still uses. */
  private deleteCustomer(handle: string): SandboxAnswer {
    if (!this.customerByHandle.has(handle)) return errorAnswer(404, SANDBOX_CODES.invalidRequest, 'Customer not found');
    if (this.domainsOwnedBy(handle).length > 0) {
      return errorAnswer(400, SANDBOX_CODES.invalidRequest, 'The customer is in use by a domain');
    }
    this.customerByHandle.delete(handle);
    return success({ success: true });
  }

  private domainsOwnedBy(handle: string): SandboxDomain[] {
    return [...this.registered.values()].filter((domain) => domain.ownerHandle === handle);
  }

  private createDomain(bodyText: string, body: unknown): SandboxAnswer {
    const problem = checkDomain(body, '');
    if (problem) return errorAnswer(400, SANDBOX_CODES.invalidRequest, problem);
    const request = body as { domain: { name: string; extension: string }; owner_handle: string; admin_handle: string; tech_handle: string };
    const unknownHandle = (['owner_handle', 'admin_handle', 'tech_handle'] as const).find((field) => !this.customerByHandle.has(request[field]));
    if (unknownHandle) return errorAnswer(400, SANDBOX_CODES.invalidRequest, `Invalid or missing field: ${unknownHandle}`);
    const name = `${request.domain.name}.${request.domain.extension}`;
    if (this.registered.has(name) || request.domain.name.startsWith('taken-')) {
      return errorAnswer(400, SANDBOX_CODES.domainExists, 'Domain exists');
    }
    const receivedDigest = this.customerByHandle.get(request.owner_handle)!.bodyDigest.copy().update(bodyText).digest('hex');
    const domain = { name, id: this.nextDomainId++, ownerHandle: request.owner_handle, receivedDigest };
    this.registered.set(name, domain);
    return success({ id: domain.id, status: 'ACT', auth_code: randomBytes(6).toString('hex') });
  }

  /** Filters by `full_name` and by `contact_handle` (the sandbox gives every role the owner's handle). */
  private listDomains(query: URLSearchParams): SandboxAnswer {
    const fullName = query.get('full_name');
    const contactHandle = query.get('contact_handle');
    const all = [...this.registered.values()].filter(
      (domain) => (fullName === null || domain.name === fullName) && (contactHandle === null || domain.ownerHandle === contactHandle),
    );
    const results = page(all, query).map((domain) => ({
      id: domain.id,
      domain: splitDomain(domain.name),
      owner_handle: domain.ownerHandle,
      admin_handle: domain.ownerHandle,
      tech_handle: domain.ownerHandle,
      status: 'ACT',
    }));
    return success({ results, total: all.length });
  }
}

function page<T>(all: T[], query: URLSearchParams): T[] {
  const offset = Number(query.get('offset') ?? 0);
  const limit = Number(query.get('limit') ?? 100);
  return all.slice(offset, offset + limit);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function wholeValuePattern(pattern: string): (value: string) => boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return (value) => regex.test(value);
}

function letterOf(name: string): string {
  const letter = name.charAt(0).toUpperCase();
  return /^[A-Z]$/.test(letter) ? letter : 'X';
}
