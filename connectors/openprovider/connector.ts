import { type ConnectorDefinition, SECURE_BASE_URL_PATTERN, connectorFromOperations, parseSecureBaseUrl } from '../../src/connector-kit';
import { DEFAULT_TIMEOUT_MS, OpenproviderClient, type OpenproviderConfig } from './client';
import { DOMAIN_REGISTER_SCHEMA_ID, domainRegister } from './operations/domain-register';

export type { OpenproviderConfig } from './client';

const DOMAIN_REGISTER = 'domain.register';

export const openproviderConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl', 'username', 'password'],
  properties: {
    baseUrl: {
      type: 'string',
      description: 'API root including the version, e.g. https://api.openprovider.eu/v1beta. https only; http on loopback for the sandbox.',
      pattern: SECURE_BASE_URL_PATTERN,
    },
    username: { type: 'string', minLength: 1 },
    password: { type: 'string', minLength: 1 },
    timeoutMs: { type: 'integer', minimum: 1000, maximum: 120_000, default: DEFAULT_TIMEOUT_MS },
  },
} as const;

export const openprovider: ConnectorDefinition<OpenproviderConfig> = {
  id: 'openprovider',
  displayName: 'Openprovider',
  operations: { [DOMAIN_REGISTER]: DOMAIN_REGISTER_SCHEMA_ID },
  configSchema: openproviderConfigSchema,
  create(config) {
    parseSecureBaseUrl(config.baseUrl, 'openprovider');
    const client = new OpenproviderClient(config);
    return connectorFromOperations('openprovider', { [DOMAIN_REGISTER]: domainRegister(client) }, {
      check: async (signal) => void (await client.login(signal)),
      close: async () => client.close(),
    });
  },
};
