import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { SupplierRejectedError } from '../src/connector-kit';

/**
 * The canonical `domain.register` payload the registrar connectors share, so that provisioning sends one shape
 * to any registrar. Each supplier's agreed schema (`schemas/<supplier>/v1/domain.register.request.schema.json`)
 * allows all of it or a part (SIDN's has no `initials`); the gateway has validated the payload against that
 * schema and withheld the rest before a connector sees it.
 */
export interface DomainRegisterPayload {
  /** Lower case, e.g. example.nl. */
  domain: string;
  /** In years. */
  period: number;
  nameServers: string[];
  registrant: Registrant;
}

export interface Registrant {
  firstName: string;
  lastName: string;
  initials?: string;
  /** A surname prefix such as "van der". */
  prefix?: string;
  companyName?: string;
  email: string;
  /** E.164, e.g. +31201234567. */
  phone: string;
  address: { street: string; number: string; suffix?: string; postalCode: string; city: string; state?: string; country: string };
}

/** A shape check only: the gateway validated the payload against the agreed schema already. */
export function isDomainRegisterPayload(payload: unknown): payload is DomainRegisterPayload {
  const candidate = payload as Partial<DomainRegisterPayload> | null;
  return (
    typeof candidate?.domain === 'string' &&
    candidate.domain.includes('.') &&
    Number.isInteger(candidate.period) &&
    Array.isArray(candidate.nameServers) &&
    typeof candidate.registrant?.address === 'object' &&
    candidate.registrant.address !== null
  );
}

/**
 * The registrant's phone in EPP's form (RFC 5733 §2.5), which registries and registrars on EPP's data model
 * want: `+31201234567` → `+31.201234567`. A number that cannot exist is refused here, before any personal data
 * leaves; the message names no digit.
 */
export function eppVoiceOf(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed?.isPossible()) throw new SupplierRejectedError('invalid_phone', 'the registrant phone number is not a possible number');
  return `+${parsed.countryCallingCode}.${parsed.nationalNumber}`;
}
