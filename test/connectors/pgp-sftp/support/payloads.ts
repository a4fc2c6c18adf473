import { composeIBAN } from 'ibantools';
import type { DebtCollectPayload } from '../../../../connectors/pgp-sftp/operations/debt-collect';

let sequence = 0;

/** A debt.collect payload the agreed schema accepts, with values no other call returns (fake, obviously). */
export function debtCollectPayload(options: { invoices?: number } = {}): DebtCollectPayload {
  sequence += 1;
  const unique = `${process.pid}${sequence}${Date.now() % 100_000}`;
  const digits = unique.padStart(10, '0').slice(-10);
  return {
    debtor: {
      firstName: `Jan${unique}`,
      lastName: `Jansen${unique}`,
      email: `jan.jansen.${unique}@example.nl`,
      phone: `+3120${digits.slice(-7)}`,
      address: { street: `Voorbeeldstraat${unique}`, number: '1', postalCode: '1011AB', city: 'Amsterdam', country: 'NL' },
      iban: composeIBAN({ countryCode: 'NL', bban: `ABNA${digits}` })!,
    },
    invoices: Array.from({ length: options.invoices ?? 2 }, (_, index) => ({
      number: `INV-${unique}-${index + 1}`,
      amount: `${100 + index}.50`,
      currency: 'EUR',
      dueDate: '2026-03-31',
    })),
  };
}
