import type { DeliveryContext, Logger } from '../../../../src/connector-kit';
import type { DomainRegisterPayload } from '../../../../connectors/openprovider/operations/domain-register';

/** Values that must never show up in errors or logs; fake, and unlikely to occur by chance. */
export const CANARY = {
  firstName: 'Zyxcanaryvoornaam',
  lastName: 'Qwcanaryachternaam',
  email: 'canary.zx81@example.nl',
  street: 'Canarystraatweg',
  city: 'Canarystad',
  postalCode: '9999ZZ',
  phone: '+31201234567',
} as const;

let sequence = 0;

/** A valid domain.register payload with canary personal data and a domain name unique to this run. */
export function registerPayload(overrides: Partial<DomainRegisterPayload> = {}): DomainRegisterPayload {
  sequence += 1;
  return {
    domain: `jansen-${process.pid}-${sequence}.nl`,
    period: 1,
    nameServers: ['ns1.example.net', 'ns2.example.net'],
    registrant: {
      firstName: CANARY.firstName,
      lastName: CANARY.lastName,
      email: CANARY.email,
      phone: CANARY.phone,
      address: { street: CANARY.street, number: '12', postalCode: CANARY.postalCode, city: CANARY.city, country: 'NL' },
    },
    ...overrides,
  };
}

/** Finds canary values in any text (error messages, codes, log lines). */
export function canariesIn(text: string): string[] {
  return Object.values(CANARY).filter((value) => text.includes(value));
}

export interface RecordingContext extends DeliveryContext {
  /** Every log call, serialised. */
  lines: string[];
}

export function recordingContext(signal: AbortSignal = new AbortController().signal): RecordingContext {
  const lines: string[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(JSON.stringify({ level, message, fields }));
  };
  const log: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const ctx: RecordingContext = {
    signal,
    transferId: 'transfer-test-1',
    log,
    lines,
    state: {},
    recordState: async (state) => {
      ctx.state = state;
    },
  };
  return ctx;
}
