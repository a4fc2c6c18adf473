import { type ConnectorDefinition, SECURE_BASE_URL_PATTERN, connectorFromOperations, parseSecureBaseUrl } from '../../src/connector-kit';
import { DEFAULT_TIMEOUT_MS, RealtimeRegisterClient, type RealtimeRegisterConfig } from './client';
import { DOMAIN_REGISTER_SCHEMA_ID, domainRegister } from './operations/domain-register';

export type { RealtimeRegisterConfig } from './client';

const DOMAIN_REGISTER = 'domain.register';

export const realtimeregisterConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl', 'customer', 'apiKey'],
  properties: {
    baseUrl: {
      type: 'string',
      description: 'API root including the version, e.g. https://api.yoursrs.com/v2. https only; http on loopback for the sandbox.',
      pattern: SECURE_BASE_URL_PATTERN,
    },
    customer: { type: 'string', description: 'Our customer handle at Realtime Register', pattern: '^[a-zA-Z0-9\\-_@.]{3,40}$' },
    apiKey: { type: 'string', minLength: 1 },
    timeoutMs: { type: 'integer', minimum: 1000, maximum: 120_000, default: DEFAULT_TIMEOUT_MS },
  },
} as const;

export const realtimeregister: ConnectorDefinition<RealtimeRegisterConfig> = {
  id: 'realtimeregister',
  displayName: 'Realtime Register',
  operations: { [DOMAIN_REGISTER]: DOMAIN_REGISTER_SCHEMA_ID },
  configSchema: realtimeregisterConfigSchema,
  create(config) {
    parseSecureBaseUrl(config.baseUrl, 'realtimeregister');
    const client = new RealtimeRegisterClient(config);
    return connectorFromOperations('realtimeregister', { [DOMAIN_REGISTER]: domainRegister(client) }, {
      async check(signal) {
        // The cheapest call that proves the API key and the customer: one contact handle of ours, no contact data.
        await client.call({
          method: 'GET',
          path: `/customers/${encodeURIComponent(client.customer)}/contacts`,
          label: 'contacts.list',
          query: { limit: 1, fields: 'handle' },
          signal,
        });
      },
      close: async () => client.close(),
    });
  },
};
