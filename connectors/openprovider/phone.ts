import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { SupplierRejectedError } from '../../src/connector-kit';

/** Openprovider's `contactPhone`. */
export interface OpenproviderPhone {
  country_code: string;
  area_code: string;
  subscriber_number: string;
}

/**
 * Splits an E.164 number the way Openprovider stores it. The area code is the first digit group of
 * the international format, whose grouping follows each country's numbering plan (+31 20 123 4567 →
 * "20" / "1234567"; mobiles give their prefix: +31 6 12345678 → "6" / "12345678"). When the plan
 * has no grouping, the first digit is the area code. No digit is lost either way: Openprovider joins
 * the parts again for the registry.
 */
export function splitPhone(e164: string): OpenproviderPhone {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed || !parsed.isPossible()) {
    // Refused here, before any personal data leaves; the message names no digits.
    throw new SupplierRejectedError('invalid_phone', 'the registrant phone number is not a possible number');
  }
  const [, firstGroup, ...rest] = parsed.formatInternational().split(' ');
  const national = parsed.nationalNumber;
  const grouped = firstGroup !== undefined && rest.length > 0;
  return {
    country_code: `+${parsed.countryCallingCode}`,
    area_code: grouped ? firstGroup : national.slice(0, 1),
    subscriber_number: grouped ? rest.join('') : national.slice(1),
  };
}
