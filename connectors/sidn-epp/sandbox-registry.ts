import { type Hash, createHash } from 'node:crypto';
import { NS, type XmlNode, child, children, textOf } from './xml';

export type ObjectType = 'contact' | 'domain' | 'host';

/** The answer to one command: an EPP result code and, on success, `<resData>` content. */
export interface CommandAnswer {
  code: number;
  resData?: XmlNode;
}

interface Contact {
  id: string;
  roid: string;
  proposedId: string;
  createdAt: string;
  /** SHA-256 state over the contact:create frame, continued with the domain:create frame for a domain's digest. */
  createFrameHash: Hash;
}

interface Domain {
  name: string;
  roid: string;
  registrant: string;
  contacts: Array<{ type: string; id: string }>;
  nameServers: string[];
  createdAt: string;
  digest: string;
}

/** Domains whose label starts with this are another registrar's: check says taken, create 2302, info 2201. */
export const TAKEN_PREFIX = 'taken-';

const dataNs = (type: ObjectType, element: string, body: XmlNode): XmlNode => ({ [`${type}:${element}`]: { [`@_xmlns:${type}`]: NS[type], ...body } });
const sequence = (prefix: string, n: number) => `${prefix}${String(n).padStart(9, '0')}`;

/**
 * The in-memory .nl registry behind the sandbox: contacts (ids only, no contact data), domains and hosts. Like
 * SIDN it assigns contact ids itself; a contact is also found by the id the registrar proposed for it (see README).
 */
export class SandboxRegistry {
  private readonly contactsById = new Map<string, Contact>();
  private readonly contactIdByProposed = new Map<string, string>();
  private readonly domainsByName = new Map<string, Domain>();
  private readonly hostNames = new Set<string>();
  private nextId = 1;

  contacts(): Array<{ id: string; domainRoids: string[] }> {
    return [...this.contactsById.keys()].map((id) => ({ id, domainRoids: this.domainsUsing(id).map((domain) => domain.roid) }));
  }

  domains(): Array<{ roid: string; registrant: string }> {
    return [...this.domainsByName.values()].map(({ roid, registrant }) => ({ roid, registrant }));
  }

  hosts(): string[] {
    return [...this.hostNames];
  }

  /** The SHA-256 of the contact:create and domain:create frames of the domain `roid`, as received. */
  digestOf(roid: string): string | undefined {
    return [...this.domainsByName.values()].find((domain) => domain.roid === roid)?.digest;
  }

  handle(verb: string, type: ObjectType, element: XmlNode, frameXml: string): CommandAnswer {
    const key = `${type}:${verb}`;
    if (key === 'domain:check') return this.domainCheck(element);
    if (key === 'domain:info') return this.domainInfo(element);
    if (key === 'domain:create') return this.domainCreate(element, frameXml);
    if (key === 'contact:create') return this.contactCreate(element, frameXml);
    if (key === 'contact:info') return this.contactInfo(element);
    if (key === 'contact:delete') return this.contactDelete(element);
    if (key === 'host:check') return this.hostCheck(element);
    if (key === 'host:create') return this.hostCreate(element);
    return { code: 2101 }; // unimplemented command
  }

  private domainCheck(element: XmlNode): CommandAnswer {
    const cd = children(element, 'name').map((name) => {
      const domain = textOf(name) ?? '';
      return { 'domain:name': { '#text': domain, '@_avail': this.domainTaken(domain) ? '0' : '1' } };
    });
    return { code: 1000, resData: dataNs('domain', 'chkData', { 'domain:cd': cd }) };
  }

  private domainInfo(element: XmlNode): CommandAnswer {
    const name = textOf(element, 'name') ?? '';
    if (name.startsWith(TAKEN_PREFIX)) return { code: 2201 }; // authorization error: another registrar's domain
    const domain = this.domainsByName.get(name);
    if (domain === undefined) return { code: 2303 };
    return {
      code: 1000,
      resData: dataNs('domain', 'infData', {
        'domain:name': domain.name,
        'domain:roid': domain.roid,
        'domain:status': { '@_s': 'ok' },
        'domain:registrant': domain.registrant,
        'domain:contact': domain.contacts.map(({ type, id }) => ({ '#text': id, '@_type': type })),
        'domain:ns': { 'domain:hostObj': domain.nameServers },
        'domain:clID': 'sandbox',
        'domain:crDate': domain.createdAt,
      }),
    };
  }

  private domainCreate(element: XmlNode, frameXml: string): CommandAnswer {
    const name = textOf(element, 'name') ?? '';
    if (this.domainTaken(name)) return { code: 2302 };
    const registrant = this.contactsById.get(textOf(element, 'registrant') ?? '');
    const contacts = children(element, 'contact').map((contact) => ({ type: String(contact['@_type']), id: textOf(contact) ?? '' }));
    const nameServers = children(child(element, 'ns'), 'hostObj').map((host) => textOf(host) ?? '');
    // SIDN requires a registrant, an admin and a tech contact, all known, and name servers it knows as hosts.
    const known = contacts.every(({ id }) => this.contactsById.has(id)) && ['admin', 'tech'].every((type) => contacts.some((contact) => contact.type === type));
    if (registrant === undefined || !known || !nameServers.every((host) => this.hostNames.has(host.toLowerCase()))) return { code: 2303 };
    const createdAt = new Date().toISOString();
    const digest = registrant.createFrameHash.copy().update(frameXml, 'utf8').digest('hex');
    this.domainsByName.set(name, { name, roid: `D${this.nextId++}-SIDN`, registrant: registrant.id, contacts, nameServers, createdAt, digest });
    const expires = new Date(Date.now() + 365 * 86_400_000 * Number(textOf(element, 'period') ?? 1)).toISOString();
    return { code: 1000, resData: dataNs('domain', 'creData', { 'domain:name': name, 'domain:crDate': createdAt, 'domain:exDate': expires }) };
  }

  private contactCreate(element: XmlNode, frameXml: string): CommandAnswer {
    const id = sequence('SBX', this.nextId++);
    const proposedId = textOf(element, 'id') ?? '';
    const contact = { id, roid: `C${this.nextId++}-SIDN`, proposedId, createdAt: new Date().toISOString(), createFrameHash: createHash('sha256').update(frameXml, 'utf8') };
    this.contactsById.set(id, contact);
    this.contactIdByProposed.set(proposedId, id);
    return { code: 1000, resData: dataNs('contact', 'creData', { 'contact:id': id, 'contact:crDate': contact.createdAt }) };
  }

  /** By the assigned id, or by the id the registrar proposed. The sandbox keeps no contact data: the postal info is a placeholder. */
  private contactInfo(element: XmlNode): CommandAnswer {
    const contact = this.contactNamed(textOf(element, 'id') ?? '');
    if (contact === undefined) return { code: 2303 };
    return {
      code: 1000,
      resData: dataNs('contact', 'infData', {
        'contact:id': contact.id,
        'contact:roid': contact.roid,
        'contact:status': { '@_s': this.domainsUsing(contact.id).length > 0 ? 'linked' : 'ok' },
        'contact:postalInfo': { '@_type': 'loc', 'contact:name': 'not kept by the sandbox', 'contact:addr': { 'contact:city': 'not kept', 'contact:cc': 'NL' } },
        'contact:email': 'not-kept@sandbox.invalid',
        'contact:clID': 'sandbox',
        'contact:crID': 'sandbox',
        'contact:crDate': contact.createdAt,
      }),
    };
  }

  private contactDelete(element: XmlNode): CommandAnswer {
    const contact = this.contactsById.get(textOf(element, 'id') ?? '');
    if (contact === undefined) return { code: 2303 };
    if (this.domainsUsing(contact.id).length > 0) return { code: 2305 };
    this.contactsById.delete(contact.id);
    if (this.contactIdByProposed.get(contact.proposedId) === contact.id) this.contactIdByProposed.delete(contact.proposedId);
    return { code: 1000 };
  }

  private hostCheck(element: XmlNode): CommandAnswer {
    const cd = children(element, 'name').map((name) => {
      const host = textOf(name) ?? '';
      return { 'host:name': { '#text': host, '@_avail': this.hostNames.has(host.toLowerCase()) ? '0' : '1' } };
    });
    return { code: 1000, resData: dataNs('host', 'chkData', { 'host:cd': cd }) };
  }

  private hostCreate(element: XmlNode): CommandAnswer {
    const name = textOf(element, 'name') ?? '';
    if (this.hostNames.has(name.toLowerCase())) return { code: 2302 };
    this.hostNames.add(name.toLowerCase());
    return { code: 1000, resData: dataNs('host', 'creData', { 'host:name': name, 'host:crDate': new Date().toISOString() }) };
  }

  private contactNamed(id: string): Contact | undefined {
    return this.contactsById.get(id) ?? this.contactsById.get(this.contactIdByProposed.get(id) ?? '');
  }

  private domainsUsing(contactId: string): Domain[] {
    return [...this.domainsByName.values()].filter((domain) => domain.registrant === contactId || domain.contacts.some(({ id }) => id === contactId));
  }

  private domainTaken(name: string): boolean {
    return name.startsWith(TAKEN_PREFIX) || this.domainsByName.has(name);
  }
}
