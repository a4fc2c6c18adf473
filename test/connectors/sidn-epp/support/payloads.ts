import { randomUUID } from 'node:crypto';
import type { DeliveryContext, DeliveryState } from '../../../../src/connector-kit';
import type { DomainRegisterPayload } from '../../../../connectors/domain-register';

/** Values that must never show up in errors, logs or state; fake, and unlikely to occur by chance. */
export const CANARY = {
  firstName: 'Zyxsidnvoornaam',
  lastName: 'Qwsidnachternaam',
  email: 'canary.sidn81@example.nl',
  street: 'Canarysidnstraat',
  city: 'Canarysidnstad',
  postalCode: '9999ZZ',
  phone: '+31201234567',
} as const;

let sequence = 0;

/** A valid domain.register payload for the sidn schema, with canary personal data and a domain name unique to this run. */
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

/** A delivery context as the worker builds one; `recorded` keeps every state recorded, `lines` every log line. */
export function recordingContext(transferId: string = randomUUID(), state: DeliveryState = {}): DeliveryContext & { lines: string[]; recorded: DeliveryState[] } {
  const lines: string[] = [];
  const log = (message: string, fields?: Record<string, unknown>) => void lines.push(JSON.stringify({ message, fields }));
  const ctx = {
    signal: new AbortController().signal,
    transferId,
    log: { debug: log, info: log, warn: log, error: log },
    state,
    lines,
    recorded: [] as DeliveryState[],
    recordState: async (next: DeliveryState) => {
      ctx.recorded.push(next);
      ctx.state = next;
    },
  };
  return ctx;
}
