import { readFileSync } from 'node:fs';
import path from 'node:path';
import { payloadAjv } from '../../../src/agreements/payload-validator';
import { sidnEpp } from '../../../connectors/sidn-epp/connector';
import { registerPayload } from '../support/payloads';

const schema = JSON.parse(readFileSync(path.join(__dirname, '../../../schemas/sidn/v1/domain.register.request.schema.json'), 'utf8')) as { $id: string };
const validate = payloadAjv.getSchema(schema.$id) ?? payloadAjv.compile(schema);

test('names the agreed schema by its $id', () => {
  expect(sidnEpp.operations).toEqual({ 'domain.register': schema.$id });
});

test('the agreed schema takes the test payloads and .nl names only, and withholds initials (SIDN has no field for them)', () => {
  expect(validate(registerPayload())).toBe(true);
  expect(validate(registerPayload({ domain: 'jansen.de' }))).toBe(false);
  expect(validate(registerPayload({ domain: 'www.jansen.nl' }))).toBe(false);
  const withInitials = { ...registerPayload(), registrant: { ...registerPayload().registrant, initials: 'J.' } };
  expect(validate(withInitials)).toBe(true);
  expect(withInitials.registrant).not.toHaveProperty('initials');
});
