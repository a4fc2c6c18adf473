import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** The namespaces of the EPP objects and of SIDN's extension. */
export const NS = {
  epp: 'urn:ietf:params:xml:ns:epp-1.0',
  contact: 'urn:ietf:params:xml:ns:contact-1.0',
  domain: 'urn:ietf:params:xml:ns:domain-1.0',
  host: 'urn:ietf:params:xml:ns:host-1.0',
  sidn: 'http://rxsd.domain-registry.nl/sidn-ext-epp-1.0',
} as const;

/** An element as fast-xml-parser gives and takes it: children by (prefixed) name, attributes as `@_name`, text as `#text`. */
export type XmlNode = { [name: string]: unknown };

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });
// Values stay strings (postal codes, ids); prefixes stay, so a reader can resolve them to namespaces.
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, parseAttributeValue: false, trimValues: true });

/** An EPP frame's XML: `body` (greeting, hello, command or response) inside `<epp>`. Values are escaped by the builder. */
export function buildEpp(body: XmlNode): string {
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8', '@_standalone': 'no' }, epp: { '@_xmlns': NS.epp, ...body } });
}

/** The `<epp>` element of a frame; throws when the frame is not XML with an `<epp>` root. */
export function parseEpp(xml: string): XmlNode {
  const epp = children(parser.parse(xml, true) as XmlNode, 'epp')[0];
  if (!isNode(epp)) throw new Error('not an EPP frame');
  return epp;
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);
const isNode = (value: unknown): value is XmlNode => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every child element named `name` (any prefix), as elements: text-only ones become `{'#text': …}`. */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined) return [];
  return Object.entries(node)
    .filter(([key]) => !key.startsWith('@_') && key !== '#text' && localName(key) === name)
    .flatMap(([, value]) => [value].flat())
    .map((value) => (isNode(value) ? value : { '#text': String(value) }));
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

/** The text of `node`'s child `name` (or of `node` itself without a name); undefined when absent. */
export function textOf(node: XmlNode | undefined, name?: string): string | undefined {
  const element = name === undefined ? node : child(node, name);
  const text = element?.['#text'];
  return text === undefined ? (element === undefined ? undefined : '') : String(text);
}

/** The one child element of `node` and the namespace its prefix stands for (declared on it or on `scope`). */
export function soleElement(node: XmlNode | undefined, scope: XmlNode = {}): { name: string; namespace: string | undefined; element: XmlNode } | undefined {
  const key = Object.keys(node ?? {}).find((name) => !name.startsWith('@_') && name !== '#text');
  if (node === undefined || key === undefined) return undefined;
  const [element] = children(node, localName(key));
  const attribute = key.includes(':') ? `@_xmlns:${key.slice(0, key.indexOf(':'))}` : '@_xmlns';
  const namespace = (element[attribute] ?? scope[attribute]) as string | undefined;
  return { name: localName(key), namespace, element };
}
