import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { connectors, getConnectorDefinition } from '../../../connectors';
import { openprovider } from '../../../connectors/openprovider/connector';

const validateConfig = addFormats(new Ajv2020({ allErrors: true })).compile(openprovider.configSchema);
const withBaseUrl = (baseUrl: string) => ({ baseUrl, username: 'reseller', password: 'secret' });

describe('openprovider definition', () => {
  it('names the agreed schema by its $id', () => {
    const schemaFile = path.join(__dirname, '../../../schemas/openprovider/v1/domain.register.request.schema.json');
    const { $id } = JSON.parse(readFileSync(schemaFile, 'utf8')) as { $id: string };
    expect(openprovider.operations).toEqual({ 'domain.register': $id });
  });

  it.each([
    'https://api.openprovider.eu/v1beta',
    'https://api.openprovider.eu:8443/v1beta/',
    'http://127.0.0.1:4010/v1beta',
    'http://localhost/v1beta',
    'http://[::1]:4010/v1beta',
  ])('accepts baseUrl %s', (baseUrl) => {
    expect(validateConfig(withBaseUrl(baseUrl))).toBe(true);
    expect(() => openprovider.create(withBaseUrl(baseUrl))).not.toThrow();
  });

  it.each([
    'http://api.openprovider.eu/v1beta',
    'http://localhost.example.net/v1beta',
    'http://127.0.0.1.example.net/v1beta',
    'http://10.0.0.1/v1beta',
    'ftp://api.openprovider.eu/v1beta',
  ])('refuses baseUrl %s in the schema and in create()', (baseUrl) => {
    expect(validateConfig(withBaseUrl(baseUrl))).toBe(false);
    expect(() => openprovider.create(withBaseUrl(baseUrl))).toThrow(
      'openprovider: baseUrl must use https (plain http is allowed only for 127.0.0.1, ::1 or localhost)',
    );
  });

  it('refuses unknown config keys, a fractional timeout and missing credentials', () => {
    const valid = withBaseUrl('https://api.openprovider.eu/v1beta');
    expect(validateConfig({ ...valid, rejectUnauthorized: false })).toBe(false);
    expect(validateConfig({ ...valid, timeoutMs: 1500.5 })).toBe(false);
    expect(validateConfig({ baseUrl: valid.baseUrl, username: 'reseller' })).toBe(false);
    expect(validateConfig({ ...valid, timeoutMs: 20_000 })).toBe(true);
  });

});

describe('connector registry', () => {
  it('lists openprovider under its id', () => {
    expect(connectors.openprovider).toBe(openprovider);
    expect(getConnectorDefinition('openprovider')).toBe(openprovider);
    for (const [id, definition] of Object.entries(connectors)) expect(definition.id).toBe(id);
  });

  it('answers undefined for ids it does not know, including inherited property names', () => {
    expect(getConnectorDefinition('nosuchsupplier')).toBeUndefined();
    expect(getConnectorDefinition('constructor')).toBeUndefined();
  });
});
