import { randomUUID } from 'node:crypto';
import type { DeliveryContext, DeliveryState, Logger } from '../../../src/connector-kit';
import type { DomainRegisterPayload } from '../../../connectors/domain-register';

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
  /** Every state recorded through `recordState`, in order. */
  recorded: DeliveryState[];
}

export interface AttemptOptions {
  signal?: AbortSignal;
  /** What earlier attempts recorded (default: nothing, a first attempt). */
  state?: DeliveryState;
  /** Default: a new transfer. */
  transferId?: string;
}

/**
 * A delivery context as the worker builds one for an attempt: `state` is what earlier attempts recorded;
 * `recordState` stores the new state (in `recorded`) and makes it `ctx.state`.
 */
export function recordingContext({ signal = new AbortController().signal, state = {}, transferId = randomUUID() }: AttemptOptions = {}): RecordingContext {
  const lines: string[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(JSON.stringify({ level, message, fields }));
  };
  const log: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const ctx: RecordingContext = {
    signal,
    transferId,
    log,
    lines,
    recorded: [],
    state,
    recordState: async (next) => {
      ctx.recorded.push(next);
      ctx.state = next;
    },
  };
  return ctx;
}

/** The context of the same transfer's next attempt: what `earlier` recorded last is its state. */
export function nextAttempt(earlier: RecordingContext): RecordingContext {
  return recordingContext({ state: earlier.state, transferId: earlier.transferId });
}
