import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { payloadAjv } from '../../../src/agreements/payload-validator';
import { contactCreateXml } from '../../../connectors/sidn-epp/contacts';
import { xsdErrorsOf } from '../../../connectors/sidn-epp/xsd-validator';
import type { DomainRegisterPayload } from '../../../connectors/domain-register';
import { registerPayload } from '../support/payloads';

const schema = JSON.parse(readFileSync(path.join(__dirname, '../../../schemas/sidn/v1/domain.register.request.schema.json'), 'utf8')) as { $id: string };
const agreed = payloadAjv.getSchema(schema.$id) ?? payloadAjv.compile(schema);

/** Characters XML 1.0 cannot carry, or EPP's normalizedString would turn into spaces: the agreement must refuse them at intake. */
const unsendable = ['\u0000', '\u0001', '\t', '\n', '\r', '\u001f', '\u007f', '\udfff', '\ufffe'];

/** Text as customers and attackers type it: markup, entities, CDATA ends, odd spaces, RTL and non-BMP, now and then a character XML cannot carry. */
const awkwardText = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(
      { weight: 12, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
      { weight: 6, arbitrary: fc.constantFrom('<', '>', '&', '"', "'", ']]>', '<!--', '&amp;', ' ', '\u0085', '\u00a0', '\u200b', '\u2028', '\u202e', 'é', 'ß', '😀') },
      { weight: 1, arbitrary: fc.constantFrom(...unsendable) },
    ),
    minLength: 1,
    maxLength,
  });

const generatedPayload = fc
  .record({ firstName: awkwardText(64), lastName: awkwardText(64), companyName: awkwardText(128), street: awkwardText(128), city: awkwardText(64) })
  .map(({ firstName, lastName, companyName, street, city }): DomainRegisterPayload => {
    const payload = registerPayload();
    return { ...payload, registrant: { ...payload.registrant, firstName, lastName, companyName, address: { ...payload.registrant.address, street, city } } };
  });

test('every registrant the SIDN agreement accepts becomes a contact:create that the EPP schemas accept and that carries its values exactly', async () => {
  const generated = fc.sample(generatedPayload, { numRuns: 400, seed: 2026 });
  const accepted = generated.filter((payload) => agreed(structuredClone(payload)));
  // Both kinds were generated; a payload is refused exactly when one of its values holds an unsendable character.
  expect(accepted.length).toBeGreaterThan(50);
  expect(accepted.length).toBeLessThan(generated.length);
  for (const payload of generated) {
    const { firstName, lastName, companyName, address } = payload.registrant;
    const sendable = [firstName, lastName, companyName!, address.street, address.city].every((value) => unsendable.every((character) => !value.includes(character)) && /\S/.test(value));
    expect(agreed(structuredClone(payload))).toBe(sendable);
  }
  const frames = accepted.map((payload) => contactCreateXml(payload.registrant, '0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b'));

  expect(await xsdErrorsOf(...frames)).toEqual([]);
  // Read back as SIDN would, whitespace kept: each value arrives exactly as the customer gave it.
  const reader = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: false });
  accepted.forEach(({ registrant }, n) => {
    const { postalInfo } = reader.parse(frames[n]).epp.command.create.create;
    expect({ n, org: postalInfo.org, city: postalInfo.addr.city }).toEqual({ n, org: registrant.companyName, city: registrant.address.city });
  });
}, 60_000);
