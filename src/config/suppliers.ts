import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { supplierIdPattern } from '../agreements/agreements';
import type { ConnectorDefinition } from '../connector-kit';
import { ConfigError, listOf } from './config-error';

export interface QueuePolicy {
  attempts: number;
  concurrency: number;
  /** Retry n waits between half and all of min(maxMs, baseMs × 2^(n-1)) (`src/queue/backoff.ts`). */
  backoff: { baseMs: number; maxMs: number };
  /** Opens after `threshold` consecutive outage failures; lets one probe through `halfOpenAfterMs` later. */
  breaker: { threshold: number; halfOpenAfterMs: number };
  rateLimit?: { max: number; durationMs: number };
}

export interface SupplierConfig {
  id: string;
  connector: string;
  /** Validated by the connector's own schema, with `{"env": NAME}` secrets resolved. */
  config: Record<string, unknown>;
  queue: QueuePolicy;
}

/**
 * Rides out a supplier outage of more than 24 hours even when every delay draws its shortest jitter: the
 * delays grow from 1 s to the 1 h cap within 13 retries, and 60 attempts leave 47 retries at the cap
 * (test/queue/backoff.test.ts computes it).
 */
export const defaultQueuePolicy: QueuePolicy = {
  attempts: 60,
  concurrency: 4,
  backoff: { baseMs: 1000, maxMs: 3_600_000 },
  breaker: { threshold: 5, halfOpenAfterMs: 30_000 },
};

const suppliersFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['suppliers'],
  properties: {
    suppliers: {
      type: 'object',
      propertyNames: { pattern: supplierIdPattern },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['connector', 'config'],
        properties: {
          connector: { type: 'string' },
          config: { type: 'object' },
          queue: {
            type: 'object',
            additionalProperties: false,
            properties: {
              attempts: { type: 'integer', minimum: 1, maximum: 1000 },
              concurrency: { type: 'integer', minimum: 1, maximum: 256 },
              backoff: {
                type: 'object',
                additionalProperties: false,
                required: ['baseMs', 'maxMs'],
                properties: { baseMs: { type: 'integer', minimum: 1 }, maxMs: { type: 'integer', minimum: 1, maximum: 24 * 3_600_000 } },
              },
              breaker: {
                type: 'object',
                additionalProperties: false,
                required: ['threshold', 'halfOpenAfterMs'],
                properties: { threshold: { type: 'integer', minimum: 1 }, halfOpenAfterMs: { type: 'integer', minimum: 1, maximum: 3_600_000 } },
              },
              rateLimit: {
                type: 'object',
                additionalProperties: false,
                required: ['max', 'durationMs'],
                properties: { max: { type: 'integer', minimum: 1 }, durationMs: { type: 'integer', minimum: 1 } },
              },
            },
          },
        },
      },
    },
  },
};

// Config is checked strictly: an unknown key is a mistake to report, never something to strip.
const strictAjv = new Ajv2020({ allErrors: false, strict: true });
const validateFile = strictAjv.compile<{ suppliers: Record<string, Omit<SupplierConfig, 'id'>> }>(suppliersFileSchema);

type Definitions = (id: string) => ConnectorDefinition<unknown> | undefined;

export function loadSuppliersFile(file: string, definitions: Definitions, env = process.env): SupplierConfig[] {
  const name = 'SGW_SUPPLIERS_FILE';
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(name, `is not readable JSON (${(error as Error).message.split('\n')[0]})`);
  }
  return parseSuppliers(parsed, definitions, env, name);
}

export function parseSuppliers(parsed: unknown, definitions: Definitions, env: Record<string, string | undefined>, source: string): SupplierConfig[] {
  if (!validateFile(parsed)) {
    const [error] = validateFile.errors!;
    throw new ConfigError(source, `is invalid at ${error.instancePath || '/'}: ${error.message}`);
  }
  // Every unset secret is named at once, so that one restart fixes them all.
  const unset = new Map<string, string>();
  const entries = Object.entries(parsed.suppliers).map(([id, entry]) => {
    const where = `${source} /suppliers/${id}`;
    const definition = definitions(entry.connector);
    if (!definition) throw new ConfigError(where, `names unknown connector "${entry.connector}"`);
    return { id, entry, where, definition, config: resolveSecrets(entry.config, env, `${where}/config`, unset) as Record<string, unknown> };
  });
  if (unset.size) throw new ConfigError(listOf([...unset.keys()]), `${unset.size > 1 ? 'are' : 'is'} not set (referenced by ${[...unset.values()].join(', ')})`);
  return entries.map(({ id, entry, where, definition, config }) => {
    const validateConfig = strictAjv.compile(definition.configSchema);
    if (!validateConfig(config)) {
      const [error] = validateConfig.errors!;
      throw new ConfigError(`${where}/config${error.instancePath}`, `is invalid: ${error.message}`);
    }
    const queue = { ...defaultQueuePolicy, ...entry.queue };
    if (queue.backoff.maxMs < queue.backoff.baseMs) throw new ConfigError(`${where}/queue/backoff/maxMs`, 'is invalid: must be at least baseMs');
    return { id, connector: entry.connector, config, queue };
  });
}

/** Secrets appear in the file only as `{"env": "NAME"}`; this swaps in the environment's value, and notes in `unset` each one missing. */
function resolveSecrets(value: unknown, env: Record<string, string | undefined>, pointer: string, unset: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item, index) => resolveSecrets(item, env, `${pointer}/${index}`, unset));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === 'env' && typeof entries[0][1] === 'string') {
    const name = entries[0][1];
    const secret = env[name];
    if (secret === undefined || secret === '') unset.set(name, unset.has(name) ? `${unset.get(name)}, ${pointer}` : pointer);
    return secret;
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveSecrets(item, env, `${pointer}/${key}`, unset)]));
}
