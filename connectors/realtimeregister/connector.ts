import {
  type Connector,
  type ConnectorDefinition,
  SECURE_BASE_URL_PATTERN,
  SupplierContractError,
  parseSecureBaseUrl,
} from '../../src/connector-kit';
import { DEFAULT_TIMEOUT_MS, RealtimeRegisterClient, type RealtimeRegisterConfig } from './client';
import {
  DOMAIN_REGISTER_SCHEMA_ID,
  type DomainRegisterPayload,
  deliverDomainRegister,
  discardDomainRegister,
  eraseDomainRegister,
  isDomainRegisterPayload,
  lookupDomainRegister,
} from './operations/domain-register';

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
    return {
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
      async deliver(operation, payload, ctx) {
        return deliverDomainRegister(client, domainRegisterPayload(operation, payload), ctx);
      },
      async lookup(operation, payload, ctx) {
        return lookupDomainRegister(client, domainRegisterPayload(operation, payload), ctx);
      },
      async discard(operation, ctx) {
        checkOperation(operation);
        await discardDomainRegister(client, ctx);
      },
      async erase(records, ctx) {
        const answers = [];
        for (const record of records) {
          checkOperation(record.operation);
          answers.push(await eraseDomainRegister(client, record, ctx));
        }
        return answers;
      },
      async close() {
        client.close();
      },
    } satisfies Connector;
  },
};

function checkOperation(operation: string): void {
  if (operation !== DOMAIN_REGISTER) {
    throw new SupplierContractError('unsupported_operation', `realtimeregister does not implement ${operation}`);
  }
}

function domainRegisterPayload(operation: string, payload: unknown): DomainRegisterPayload {
  checkOperation(operation);
  if (!isDomainRegisterPayload(payload)) {
    throw new SupplierContractError('invalid_payload', 'the domain.register payload does not have the agreed shape');
  }
  return payload;
}
