import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { canary, registerBody } from '../support/gateway';

/**
 * Generated transfer requests for the property test in generated-input.test.ts: well-formed ones, which must
 * be accepted, and broken ones of every kind the door must refuse without a 5xx and without echoing a value.
 */
export interface GeneratedRequest {
  kind: string;
  /** Appended to /v1/transfers. */
  query: string;
  headers: Record<string, string>;
  /** False: sent without an API key. */
  authenticated: boolean;
  body: string | Buffer;
  /** The status the gateway must answer; undefined: any refusal (4xx) or a 202. */
  expected?: number;
}

/** Values that must never come back: the test support's canaries and these, none of which looks like a field name, so no error may name them. */
export const canaries = [...Object.values(canary), 'canary key@example.nl', 'Zyx canary value', 'canary.query.value'];
const canaryKey = 'canary key@example.nl';

/** JSON text put into a body as it is: numbers JSON.stringify would not write, nesting past any limit. */
class RawJson {
  constructor(readonly text: string) {}
}

/** The body as JSON text, and the raw texts that made it into it. */
function toJsonText(body: unknown): { text: string; raws: string[] } {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value) => (value instanceof RawJson ? `@@raw${raws.push(value.text) - 1}@@` : value));
  return { text: text.replace(/"@@raw(\d+)@@"/g, (_, index: string) => raws[Number(index)]), raws };
}

const containers: Record<string, string[]> = {
  '': ['supplier', 'operation', 'subject', 'purpose', 'basis', 'data'],
  subject: ['id'],
  basis: ['type', 'reference'],
  data: ['domain', 'period', 'nameServers', 'registrant'],
  'data.registrant': ['firstName', 'lastName', 'initials', 'prefix', 'companyName', 'email', 'phone', 'address'],
  'data.registrant.address': ['street', 'number', 'suffix', 'postalCode', 'city', 'state', 'country'],
};
const containerPaths = Object.keys(containers);
const prototypeKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

function containerAt(body: Record<string, any>, path: string): Record<string, any> {
  return path === '' ? body : path.split('.').reduce((node, key) => node?.[key], body);
}

/** Keys shaped like field names that the agreed schema does not know: withheld from the supplier, never refused. */
const extraFieldName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,20}$/).filter((key) => !Object.values(containers).flat().includes(key));
const printableAscii = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }).filter((text) => /\S/.test(text));

const wellFormedRequest = fc
  .record({
    subjectId: fc.oneof(printableAscii, fc.constantFrom('klant 1001', 'Zoë-42', '顧客-7', 'عميل ٩')),
    reference: fc.oneof(printableAscii, fc.constantFrom('Bestelling #2026/0001 (ü)', '注文 12')),
    firstName: fc.constantFrom(canary.first, 'Zoë', 'Ådne', '山田', 'Nguyễn', "D'Arcy"),
    phone: fc.constantFrom('+31201234567', '+31612345678', '+442071838750', '+12015550123', '+4930123456', '+33142685300'),
    nameServers: fc.uniqueArray(fc.constantFrom('ns1.example.net', 'ns2.example.net', 'NS3.Example.COM', 'a.b.example.org'), { minLength: 2, maxLength: 4 }),
    period: fc.integer({ min: 1, max: 10 }),
    optional: fc.record({ initials: fc.constant('J.'), prefix: fc.constant('van der'), companyName: fc.constant('Jansen B.V.') }, { requiredKeys: [] }),
    extras: fc.array(fc.tuple(fc.constantFrom('data', 'data.registrant', 'data.registrant.address'), fc.oneof(extraFieldName, fc.constantFrom(...prototypeKeys)), fc.jsonValue({ maxDepth: 3 })), { maxLength: 3 }),
    encoding: fc.constantFrom('identity', 'identity', 'gzip', 'br', 'deflate'),
    charset: fc.constantFrom('', '', '; charset=utf-8', '; charset="UTF-8"'),
  })
  // A fresh body each time it is built: fast-check may hand the same generated value to several runs, and mutations edit the body.
  .map(({ subjectId, reference, firstName, phone, nameServers, period, optional, extras, encoding, charset }) => {
    const build = (): Record<string, any> => {
      const body: Record<string, any> = registerBody(subjectId);
      body.basis.reference = reference;
      Object.assign(body.data, { period, nameServers: [...nameServers] });
      Object.assign(body.data.registrant, { firstName, phone, ...optional });
      for (const [path, key, value] of extras) setOwn(containerAt(body, path), key, structuredClone(value));
      return body;
    };
    return { build, encoding, charset };
  });

/** Sets a key as the body's own field, whatever its name: `__proto__` included. */
function setOwn(container: Record<string, any>, key: string, value: unknown): void {
  Object.defineProperty(container, key, { value, enumerable: true, configurable: true, writable: true });
}

const compressors: Record<string, (text: string) => Buffer> = { gzip: gzipSync, br: brotliCompressSync, deflate: deflateSync };

function request(kind: string, body: string | Buffer, expected?: number, changes: Partial<GeneratedRequest> = {}): GeneratedRequest {
  return { kind, query: '', headers: { 'content-type': 'application/json' }, authenticated: true, body, expected, ...changes };
}

const wellFormed = wellFormedRequest.map(({ build, encoding, charset }) => {
  const { text } = toJsonText(build());
  const headers = { 'content-type': `application/json${charset}`, ...(encoding !== 'identity' && { 'content-encoding': encoding }) };
  return request('well-formed', encoding === 'identity' ? text : compressors[encoding](text), 202, { headers });
});

const nested = (levels: number, array: boolean) => new RawJson(array ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1));

/** Values of every awkward kind; the rare big ones are cheap to make (a repeat, not a generated string). */
const awkwardValue = fc.oneof(
  { weight: 18, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 12, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 9, arbitrary: fc.constantFrom('\u0000', 'a\ud800b', '\udc00', '\u202eevil', '\u001b[31m', ' ', '', ...canaries) },
  { weight: 9, arbitrary: fc.constantFrom(-0, 1e308, -1e308, 5e-324, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -1, 0.5, true, null, [], {}) },
  { weight: 6, arbitrary: fc.constantFrom('123456789012345678901234567890', '1e400', '-1e400', '-0', '1E-400', '0.0000000000000000000001').map((text) => new RawJson(text)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1_000, max: 300_000 }), fc.constantFrom('x', 'é', '😀', canary.first)).map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length))) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.jsonValue({ maxDepth: 1 })).map(([length, item]) => Array(length).fill(item)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 65, max: 100_000 }), fc.boolean()).map(([levels, array]) => nested(levels, array)) },
);

/** Any key: a known field, a field-shaped unknown one, a prototype's, a canary, arbitrary text with lone surrogates and NUL. */
const awkwardKey = (path: string) =>
  fc.oneof(fc.constantFrom(...containers[path]), extraFieldName, fc.constantFrom(...prototypeKeys, canaryKey, '', '/', '~1', 'a.b'), fc.string({ unit: 'binary', maxLength: 12 }));

/** Well-shaped but not agreed: an unknown supplier or operation (404), a purpose or basis the agreement does not cover (403). */
const unagreed = fc.oneof(
  fc.record({ path: fc.constant(''), key: fc.constantFrom('supplier'), value: fc.constantFrom('acme', 'no-such-supplier') }),
  fc.record({ path: fc.constant(''), key: fc.constantFrom('operation'), value: fc.constantFrom('domain.transfer', 'debt.collect') }),
  fc.record({ path: fc.constant(''), key: fc.constantFrom('purpose'), value: fc.constantFrom('marketing', 'debt_collection') }),
  fc.record({ path: fc.constant('basis'), key: fc.constantFrom('type'), value: fc.constantFrom('legitimate_interest', 'legal_obligation') }),
);

const mutation = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...containerPaths).chain((path) => fc.record({ path: fc.constant(path), key: awkwardKey(path), value: awkwardValue })) },
  { weight: 3, arbitrary: fc.constantFrom(...containerPaths).chain((path) => fc.record({ path: fc.constant(path), key: fc.constantFrom(...containers[path]), value: fc.constant(undefined) })) },
  { weight: 1, arbitrary: unagreed },
);

const mutated = fc.tuple(wellFormedRequest, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([{ build }, mutations]) => {
  const body = build();
  for (const { path, key, value } of mutations) {
    const container = containerAt(body, path);
    // An earlier mutation may have replaced the container with something else.
    if (container === null || typeof container !== 'object') continue;
    if (value === undefined) delete container[key];
    else setOwn(container, key, value instanceof RawJson ? value : structuredClone(value));
  }
  const { text, raws } = toJsonText(body);
  const tooDeep = raws.some((raw) => raw.startsWith('[') || raw.startsWith('{'));
  const expected = Buffer.byteLength(text) > 256 * 1024 ? 413 : tooDeep ? 400 : undefined;
  return request('mutated', text, expected);
});

const wellFormedText = wellFormed.filter((generated) => typeof generated.body === 'string').map((generated) => generated.body as string);

/** A well-formed body sent wrongly: each of these is refused at the door with its own status. */
const badDoor = fc.tuple(wellFormedText, fc.nat()).chain(([text, seed]) =>
  fc.constantFrom(
    request('no API key', text, 401, { authenticated: false }),
    request('no API key, form body', 'supplier=openprovider', 401, { authenticated: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    request('says gzip, is not', text, 400, { headers: { 'content-type': 'application/json', 'content-encoding': ['gzip', 'br', 'deflate'][seed % 3] } }),
    request('unknown encoding', text, 415, { headers: { 'content-type': 'application/json', 'content-encoding': ['compress', 'x-canary', 'gzip, br'][seed % 3] } }),
    request('other charset', text, 415, { headers: { 'content-type': `application/json; charset=${['iso-8859-1', 'utf-16', 'windows-1252'][seed % 3]}` } }),
    request('not JSON', text, 415, { headers: { 'content-type': ['text/plain', 'application/xml', 'multipart/form-data; boundary=x'][seed % 3] } }),
    request('bad Idempotency-Key', text, 400, { headers: { 'content-type': 'application/json', 'idempotency-key': ['x'.repeat(300), 'clé', ' '][seed % 3] } }),
    request('unknown query parameter', text, 400, { query: ['?colour=blue', '?canary.query.value=1', '?limit=5'][seed % 3] }),
    request('cut short', text.slice(0, seed % text.length), 400),
    request('not UTF-8', Buffer.concat([Buffer.from(text.slice(0, 20)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(text.slice(20))]), 400),
  ),
);

/** Mostly broken requests, a quarter well-formed, mixed in one stream. */
export const generatedRequest = fc.oneof({ weight: 5, arbitrary: wellFormed }, { weight: 11, arbitrary: mutated }, { weight: 4, arbitrary: badDoor });
