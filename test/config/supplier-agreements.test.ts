import { getConnectorDefinition } from '../../connectors';
import { openprovider } from '../../connectors/openprovider/connector';
import { loadAgreements, schemasDir } from '../../src/agreements/agreements';
import { ConfigError } from '../../src/config/config-error';
import { configuredAgreements } from '../../src/config/supplier-agreements';
import { defaultQueuePolicy, type SupplierConfig } from '../../src/config/suppliers';
import type { ConnectorDefinition } from '../../src/connector-kit';

// Openprovider's agreement alone: the other suppliers' folders do not change what these tests look at.
const agreements = new Map([['openprovider', loadAgreements(schemasDir).get('openprovider')!]]);
const agreedSchema = agreements.get('openprovider')!.operations.get('domain.register')!.schemaId;
const supplier = (id = 'openprovider'): SupplierConfig => ({ id, connector: 'openprovider', config: {}, queue: defaultQueuePolicy });
/** The real Openprovider definition, with its operations as a changed connector release would declare them. */
const releasedWith = (operations: Record<string, string>) => () => ({ ...openprovider, operations }) as ConnectorDefinition<unknown>;

test('a configured supplier whose connector delivers the agreed operations with the agreed schemas gets its agreement', () => {
  const result = configuredAgreements([supplier()], agreements, getConnectorDefinition);
  expect([...result.agreements.keys()]).toEqual(['openprovider']);
  expect(result.agreements.get('openprovider')).toBe(agreements.get('openprovider'));
  expect(result.unconfigured).toEqual([]);
});

test('a supplier with an agreement but no entry in the suppliers file is named, and its agreement left out', () => {
  const result = configuredAgreements([], agreements, getConnectorDefinition);
  expect(result.agreements.size).toBe(0);
  expect(result.unconfigured).toEqual(['openprovider']);
});

test.each([
  [
    'an agreed operation the connector does not deliver',
    releasedWith({}),
    'SGW_SUPPLIERS_FILE supplier "openprovider", operation "domain.register": schemas/openprovider/agreement.json lists it, but connector "openprovider" does not deliver it',
  ],
  [
    'an agreed operation delivered with another schema',
    releasedWith({ 'domain.register': agreedSchema.replace('/v1/', '/v2/') }),
    `SGW_SUPPLIERS_FILE supplier "openprovider", operation "domain.register": schemas/openprovider/agreement.json agrees schema ${agreedSchema}, but connector "openprovider" delivers schema ${agreedSchema.replace('/v1/', '/v2/')}`,
  ],
  [
    'an operation the connector delivers that the agreement does not list',
    releasedWith({ 'domain.register': agreedSchema, 'domain.transfer': 'https://schemas.supplier-gateway.local/openprovider/v1/domain.transfer.request.schema.json' }),
    'SGW_SUPPLIERS_FILE supplier "openprovider", operation "domain.transfer": connector "openprovider" delivers it, but schemas/openprovider/agreement.json does not list it',
  ],
])('%s stops the start with one line naming the supplier and the operation', (_case, definitions, message) => {
  const refuse = () => configuredAgreements([supplier()], agreements, definitions);
  expect(refuse).toThrow(ConfigError);
  expect(refuse).toThrow(message);
});

test('a configured supplier without an agreement stops the start', () => {
  expect(() => configuredAgreements([supplier('acme')], agreements, getConnectorDefinition)).toThrow(
    'SGW_SUPPLIERS_FILE names supplier "acme", which has no schemas/acme/agreement.json',
  );
});
