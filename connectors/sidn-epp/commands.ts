import { NS, type XmlNode, buildEpp } from './xml';

/** The client's EPP frames (RFC 5730–5733, SIDN's extension), each as XML built from values, never by concatenation. */

const command = (verb: string, body: XmlNode, clTRID: string, extension?: XmlNode): string =>
  buildEpp({ command: { [verb]: body, ...(extension && { extension }), clTRID } });

export const helloFrame = (): string => buildEpp({ hello: '' });

export function loginFrame(clientId: string, password: string, clTRID: string): string {
  return command(
    'login',
    {
      clID: clientId,
      pw: password,
      options: { version: '1.0', lang: 'en' },
      svcs: { objURI: [NS.contact, NS.domain, NS.host], svcExtension: { extURI: NS.sidn } },
    },
    clTRID,
  );
}

export const logoutFrame = (clTRID: string): string => command('logout', {}, clTRID);

const object = (type: 'contact' | 'domain' | 'host', verb: string, body: XmlNode): XmlNode => ({
  [`${type}:${verb}`]: { [`@_xmlns:${type}`]: NS[type], ...body },
});

export const domainCheckFrame = (name: string, clTRID: string) => command('check', object('domain', 'check', { 'domain:name': name }), clTRID);
export const domainInfoFrame = (name: string, clTRID: string) =>
  command('info', object('domain', 'info', { 'domain:name': name }), clTRID);

export interface DomainCreate {
  name: string;
  period: number;
  nameServers: string[];
  contactId: string;
  authInfo: string;
}

export function domainCreateFrame(domain: DomainCreate, clTRID: string): string {
  return command(
    'create',
    object('domain', 'create', {
      'domain:name': domain.name,
      'domain:period': { '#text': domain.period, '@_unit': 'y' },
      'domain:ns': { 'domain:hostObj': domain.nameServers },
      'domain:registrant': domain.contactId,
      'domain:contact': ['admin', 'tech'].map((type) => ({ '#text': domain.contactId, '@_type': type })),
      'domain:authInfo': { 'domain:pw': domain.authInfo },
    }),
    clTRID,
  );
}

export const hostCheckFrame = (names: string[], clTRID: string) => command('check', object('host', 'check', { 'host:name': names }), clTRID);
export const hostCreateFrame = (name: string, clTRID: string) => command('create', object('host', 'create', { 'host:name': name }), clTRID);

/** SIDN's legal forms (sidn-ext-epp): the two the connector derives; see README. */
export type LegalForm = 'PERSOON' | 'ANDERS';

export interface ContactCreate {
  proposedId: string;
  name: string;
  org?: string;
  street: string;
  city: string;
  state?: string;
  postalCode: string;
  country: string;
  /** RFC 5733 e164 form: `+31.201234567`. */
  voice: string;
  email: string;
  authInfo: string;
  legalForm: LegalForm;
}

export function contactCreateFrame(contact: ContactCreate, clTRID: string): string {
  return command(
    'create',
    object('contact', 'create', {
      'contact:id': contact.proposedId,
      'contact:postalInfo': {
        '@_type': 'loc',
        'contact:name': contact.name,
        ...(contact.org !== undefined && { 'contact:org': contact.org }),
        'contact:addr': {
          'contact:street': contact.street,
          'contact:city': contact.city,
          ...(contact.state !== undefined && { 'contact:sp': contact.state }),
          'contact:pc': contact.postalCode,
          'contact:cc': contact.country,
        },
      },
      'contact:voice': contact.voice,
      'contact:email': contact.email,
      'contact:authInfo': { 'contact:pw': contact.authInfo },
    }),
    clTRID,
    {
      'sidn-ext-epp:ext': {
        '@_xmlns:sidn-ext-epp': NS.sidn,
        'sidn-ext-epp:create': { 'sidn-ext-epp:contact': { 'sidn-ext-epp:legalForm': contact.legalForm } },
      },
    },
  );
}

export const contactInfoFrame = (id: string, clTRID: string) => command('info', object('contact', 'info', { 'contact:id': id }), clTRID);
export const contactDeleteFrame = (id: string, clTRID: string) => command('delete', object('contact', 'delete', { 'contact:id': id }), clTRID);
