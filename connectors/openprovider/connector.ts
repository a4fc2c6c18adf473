import {
  type Connector,
  type ConnectorDefinition,
  SECURE_BASE_URL_PATTERN,
  SupplierContractError,
  parseSecureBaseUrl,
} from '../../src/connector-kit';
import { DEFAULT_TIMEOUT_MS, OpenproviderClient, type OpenproviderConfig } from './client';
import {
  DOMAIN_REGISTER_SCHEMA_ID,
  type DomainRegisterPayload,
  deliverDomainRegister,
  discardDomainRegister,
  eraseDomainRegister,
  isDomainRegisterPayload,
  lookupDomainRegister,
} from './operations/domain-register';

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
    return {
      async check(signal) {
        await client.login(signal);
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
    throw new SupplierContractError('unsupported_operation', `openprovider does not implement ${operation}`);
  }
}

function domainRegisterPayload(operation: string, payload: unknown): DomainRegisterPayload {
  checkOperation(operation);
  if (!isDomainRegisterPayload(payload)) {
    throw new SupplierContractError('invalid_payload', 'the domain.register payload does not have the agreed shape');
  }
  return payload;
}
