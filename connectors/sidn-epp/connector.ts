import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { type ConnectorDefinition, connectorFromOperations } from '../../src/connector-kit';
import { DOMAIN_REGISTER_SCHEMA_ID, domainRegister } from './operations/domain-register';
import { EppSession } from './session';

export interface SidnEppConfig {
  host: string;
  port?: number;
  clientId: string;
  password: string;
  /** An extra CA to trust for this supplier (a private CA, the sandbox's); system CAs and NODE_EXTRA_CA_CERTS stay trusted. */
  caFile?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  timeoutMs?: number;
  keepAliveMs?: number;
  rateLimitRetryAfterMs?: number;
}

const DOMAIN_REGISTER = 'domain.register';
export const DEFAULT_TIMEOUT_MS = 15_000;
/** SIDN closes idle sessions; a `<hello>` well within that keeps ours. */
export const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;
/** 2502 carries no Retry-After: wait this long for a session slot. */
export const DEFAULT_RATE_LIMIT_RETRY_AFTER_MS = 60_000;

export const sidnEppConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['host', 'clientId', 'password'],
  dependentRequired: { clientCertFile: ['clientKeyFile'], clientKeyFile: ['clientCertFile'] },
  properties: {
    host: { type: 'string', minLength: 1, description: 'EPP server host name, e.g. drs.domain-registry.nl' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 700 },
    clientId: { type: 'string', minLength: 3, maxLength: 16, description: 'The registrar id (EPP clID)' },
    password: { type: 'string', minLength: 6, maxLength: 16 },
    caFile: { type: 'string', minLength: 1, description: 'PEM of an extra CA to trust for this server, besides the system CAs and NODE_EXTRA_CA_CERTS' },
    clientCertFile: { type: 'string', minLength: 1, description: 'PEM client certificate, when SIDN requires one' },
    clientKeyFile: { type: 'string', minLength: 1 },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 120_000, default: DEFAULT_TIMEOUT_MS },
    keepAliveMs: { type: 'integer', minimum: 100, maximum: 3_600_000, default: DEFAULT_KEEP_ALIVE_MS },
    rateLimitRetryAfterMs: { type: 'integer', minimum: 0, maximum: 3_600_000, default: DEFAULT_RATE_LIMIT_RETRY_AFTER_MS },
  },
} as const;

/** TLS options: the server certificate is always verified; `caFile` adds to the default trust instead of replacing it. */
function tlsOptionsOf(config: SidnEppConfig): tls.ConnectionOptions {
  const extraCas = [process.env.NODE_EXTRA_CA_CERTS, config.caFile].filter((file): file is string => !!file).map((file) => readFileSync(file, 'utf8'));
  return {
    host: config.host,
    port: config.port ?? 700,
    servername: isIP(config.host) ? undefined : config.host,
    minVersion: 'TLSv1.2',
    ...(config.caFile !== undefined && { ca: [...tls.rootCertificates, ...extraCas] }),
    ...(config.clientCertFile !== undefined && { cert: readFileSync(config.clientCertFile), key: readFileSync(config.clientKeyFile ?? '') }),
  };
}

export const sidnEpp: ConnectorDefinition<SidnEppConfig> = {
  id: 'sidn-epp',
  displayName: 'SIDN (.nl) over EPP',
  operations: { [DOMAIN_REGISTER]: DOMAIN_REGISTER_SCHEMA_ID },
  configSchema: sidnEppConfigSchema,
  create(config) {
    const session = new EppSession({
      tls: tlsOptionsOf(config),
      clientId: config.clientId,
      password: config.password,
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      keepAliveMs: config.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
      rateLimitRetryAfterMs: config.rateLimitRetryAfterMs ?? DEFAULT_RATE_LIMIT_RETRY_AFTER_MS,
    });
    return connectorFromOperations('sidn-epp', { [DOMAIN_REGISTER]: domainRegister(session) }, {
      check: (signal) => session.ready(signal),
      close: () => session.close(),
    });
  },
};
