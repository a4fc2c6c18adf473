import type { SandboxAnswer } from '../sandbox-http';
import { type Hash, createHash } from 'node:crypto';
import { type Check, arrayOf, integer, object, text } from './sandbox-checks';


/** A request to the API, relative to /v2, as the sandbox routes it. */
export interface SandboxRoute {
  /** `contacts.list`, `contacts.get`, `contacts.create`, `contacts.delete`, `domains.list`, `domains.get`, `domains.create`. */
  name: string;
  customer?: string;
  /** The contact handle or the domain name in the path. */
  id?: string;
}

/** A contact as the sandbox keeps it: its handle and how many domains use it, nothing of the person. */
export interface SandboxContact {
  handle: string;
  domains: number;
}

/** A registered domain as the sandbox keeps it, without its name. */
export interface SandboxDomain {
  registrant: string;
  /** SHA-256 (hex) of the bytes received that carry the registrant's data: its contact's body, then this domain's. */
  receivedDigest: string;
}

const ROUTES: Array<[method: string, pattern: RegExp, name: string]> = [
  ['GET', /^\/customers\/([^/]+)\/contacts\/?$/, 'contacts.list'],
  ['GET', /^\/customers\/([^/]+)\/contacts\/([^/]+)$/, 'contacts.get'],
  ['POST', /^\/customers\/([^/]+)\/contacts\/([^/]+)$/, 'contacts.create'],
  ['DELETE', /^\/customers\/([^/]+)\/contacts\/([^/]+)$/, 'contacts.delete'],
  ['GET', /^\/domains\/?$/, 'domains.list'],
  ['GET', /^\/domains\/([^/]+)$/, 'domains.get'],
  ['POST', /^\/domains\/([^/]+)$/, 'domains.create'],
];

export function routeOf(method: string, path: string): SandboxRoute | undefined {
  for (const [routeMethod, pattern, name] of ROUTES) {
    const match = routeMethod === method ? pattern.exec(path) : null;
    if (!match) continue;
    const [, first, second] = match.map((part) => (part === undefined ? undefined : decodeURIComponent(part)));
    return name.startsWith('contacts.') ? { name, customer: first, id: second } : { name, id: first };
  }
  return undefined;
}

/** Realtime Register's error body; `message` and a violation's `value` repeat what was sent, as the real API's can. */
export function errorAnswer(status: number, type: string, message: string, extra: Record<string, unknown> = {}): SandboxAnswer {
  return { status, body: { type, message, ...extra } };
}

const violation = (problem: { field: string; value: unknown }): SandboxAnswer =>
  errorAnswer(400, 'ConstraintViolationException', `Validation failed for ${problem.field}`, {
    violations: [{ field: problem.field, message: 'invalid value', value: problem.value === undefined ? undefined : String(problem.value) }],
  });

const HANDLE = /^[a-zA-Z0-9\-_@.]{3,40}$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
/** The domain name restriction the docs give for /v2/domains/{domainName}. */
const DOMAIN_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z][a-z0-9-]{0,61}[a-z0-9])$/;

const line = (max: number): Check => text(1, max);

const checkContact = object(
  ['brand', 'organization', 'name', 'addressLine', 'postalCode', 'city', 'state', 'country', 'email', 'voice', 'fax'],
  {
    brand: text(3, 40, HANDLE),
    organization: line(255),
    name: line(255),
    addressLine: arrayOf(line(255), 1, 3),
    postalCode: line(16),
    city: line(255),
    state: line(255),
    country: text(2, 2, /^[A-Z]{2}$/),
    email: text(3, 255, /^[^\s@]+@[^\s@]+\.[^\s@]+$/),
    // The EPP form of RFC 5733: +CC.number.
    voice: text(4, 20, /^\+[0-9]{1,3}\.[0-9]{1,14}$/),
    fax: text(4, 20, /^\+[0-9]{1,3}\.[0-9]{1,14}$/),
  },
  ['name', 'addressLine', 'postalCode', 'city', 'country', 'email', 'voice'],
);

const checkDomain = object(
  ['customer', 'registrant', 'contacts', 'period', 'ns', 'authcode', 'autoRenew', 'privacyProtect', 'languageCode', 'billables', 'keyData', 'zone', 'skipValidation'],
  {
    customer: text(3, 40, HANDLE),
    registrant: text(3, 40, HANDLE),
    contacts: arrayOf(object(['role', 'handle'], { role: text(1, 10, /^(ADMIN|BILLING|TECH)$/), handle: text(3, 40, HANDLE) }, ['role', 'handle']), 0, 10),
    period: integer(12, 120, 12),
    ns: arrayOf(text(1, 253, HOSTNAME), 1, 13),
  },
  ['customer', 'registrant'],
);

/**
 * In-memory Realtime Register: keeps contact handles (with a running SHA-256 of the body that made each, for the
 * delivery digest, never the body) and registered domains' names and registrants.
 */
export class SandboxApi {
  private readonly contacts = new Map<string, Hash>();
  private readonly registered = new Map<string, SandboxDomain>();

  constructor(private readonly account: { customer: string; apiKey: string }) {}

  contactList(): SandboxContact[] {
    return [...this.contacts.keys()].map((handle) => ({ handle, domains: this.domainsOf(handle).length }));
  }

  domainList(): SandboxDomain[] {
    return [...this.registered.values()].map((domain) => ({ ...domain }));
  }

  handle(route: SandboxRoute, query: URLSearchParams, rawBody: Buffer, authorization: string | undefined): SandboxAnswer {
    if (authorization !== `ApiKey ${this.account.apiKey}`) return errorAnswer(401, 'AuthenticationError', 'Unauthorized');
    if (route.customer !== undefined && route.customer !== this.account.customer) return errorAnswer(403, 'AuthorizationError', 'Forbidden');
    const id = route.id ?? '';
    if (route.name === 'contacts.list') return this.page([...this.contacts.keys()].map((handle) => ({ customer: this.account.customer, handle })), query);
    if (route.name === 'contacts.get') return this.contacts.has(id) ? { status: 200, body: { customer: this.account.customer, handle: id } } : notFound('Contact', id);
    if (route.name === 'contacts.create') return this.createContact(id, rawBody);
    if (route.name === 'contacts.delete') return this.deleteContact(id);
    if (route.name === 'domains.list') {
      const registrant = query.get('registrant');
      const matching = [...this.registered].filter(([, domain]) => registrant === null || domain.registrant === registrant);
      return this.page(matching.map(([domainName, domain]) => ({ domainName, registrant: domain.registrant })), query);
    }
    if (route.name === 'domains.get') {
      const domain = this.registered.get(id);
      return domain ? { status: 200, body: { domainName: id, customer: this.account.customer, registrant: domain.registrant, status: ['OK'] } } : notFound('Domain', id);
    }
    return this.createDomain(id, rawBody);
  }

  private createContact(handle: string, rawBody: Buffer): SandboxAnswer {
    if (!HANDLE.test(handle)) return violation({ field: 'handle', value: handle });
    const body = parseBody(rawBody);
    const problem = body === undefined ? { field: 'body', value: undefined } : checkContact(body, '');
    if (problem) return problem.unknownField ? unrecognized(problem.field) : violation(problem);
    if (this.contacts.has(handle)) return errorAnswer(400, 'ObjectExists', `Contact ${handle} already exists`, { objectType: 'Contact', identifier: handle });
    this.contacts.set(handle, createHash('sha256').update(rawBody));
    return { status: 201, body: undefined };
  }

  /** Like the registry, refuses to delete a contact a domain uses. */
  private deleteContact(handle: string): SandboxAnswer {
    if (!this.contacts.has(handle)) return notFound('Contact', handle);
    if (this.domainsOf(handle).length > 0) return errorAnswer(400, 'ObjectStatusProhibitsOperation', `Contact ${handle} is in use`);
    this.contacts.delete(handle);
    return { status: 200, body: undefined };
  }

  private createDomain(name: string, rawBody: Buffer): SandboxAnswer {
    if (!DOMAIN_NAME.test(name)) return violation({ field: 'domainName', value: name });
    const body = parseBody(rawBody);
    const problem = body === undefined ? { field: 'body', value: undefined } : checkDomain(body, '');
    if (problem) return problem.unknownField ? unrecognized(problem.field) : violation(problem);
    const request = body as { customer: string; registrant: string; contacts?: Array<{ handle: string }>; billables?: unknown };
    if (request.customer !== this.account.customer) return errorAnswer(403, 'AuthorizationError', 'Forbidden');
    const unknownHandle = [request.registrant, ...(request.contacts ?? []).map((contact) => contact.handle)].find((handle) => !this.contacts.has(handle));
    if (unknownHandle !== undefined) return notFound('Contact', unknownHandle);
    if (this.registered.has(name) || name.startsWith('taken-')) return errorAnswer(400, 'ObjectExists', `Domain ${name} already exists`, { objectType: 'Domain', identifier: name });
    if (name.startsWith('premium-') && request.billables === undefined) {
      return errorAnswer(400, 'BillableAcknowledgmentNeededException', `Registering ${name} costs extra`, {
        billables: [{ product: `domain_${name.split('.').pop()}`, action: 'CREATE', quantity: 1 }],
      });
    }
    const receivedDigest = (this.contacts.get(request.registrant) as Hash).copy().update(rawBody).digest('hex');
    this.registered.set(name, { registrant: request.registrant, receivedDigest });
    return { status: 201, body: { domainName: name, status: 'OK', expiryDate: new Date(Date.now() + 365 * 86_400_000).toISOString() } };
  }

  private domainsOf(handle: string): SandboxDomain[] {
    return [...this.registered.values()].filter((domain) => domain.registrant === handle);
  }

  private page(all: unknown[], query: URLSearchParams): SandboxAnswer {
    const offset = Number(query.get('offset') ?? 0);
    const limit = Number(query.get('limit') ?? 25);
    return { status: 200, body: { entities: all.slice(offset, offset + limit), pagination: { limit, offset, total: all.length } } };
  }
}

function notFound(objectType: string, identifier: string): SandboxAnswer {
  return errorAnswer(404, 'ObjectDoesNotExist', `${objectType} ${identifier} does not exist`, { objectType, identifier });
}

function unrecognized(property: string): SandboxAnswer {
  return errorAnswer(400, 'UnrecognizedPropertyException', `Unrecognized field "${property}"`, { property });
}

function parseBody(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
}
