import { randomBytes, randomUUID } from 'node:crypto';

/** A domain registration for the Openprovider sandbox, as provisioning sends it: a new domain and order each time; `extra` joins the registrant. */
export function transferBody(subjectId: string, extra: Record<string, string> = {}): string {
  return JSON.stringify({
    supplier: 'openprovider',
    operation: 'domain.register',
    subject: { id: subjectId },
    purpose: 'domain_registration',
    basis: { type: 'contract', reference: `order-${randomUUID()}` },
    data: {
      domain: `bench-${randomBytes(6).toString('hex')}.nl`,
      period: 1,
      nameServers: ['ns1.example.net', 'ns2.example.net'],
      registrant: {
        firstName: 'Jan',
        lastName: 'Jansen',
        email: 'jan.jansen@example.nl',
        phone: '+31201234567',
        address: { street: 'Voorbeeldstraat', number: '1', postalCode: '1011AB', city: 'Amsterdam', country: 'NL' },
        ...extra,
      },
    },
  });
}

/** A debt collection for the file supplier's sandbox: a new subject and invoice each time. */
export function debtCollectBody(subjectId: string): string {
  return JSON.stringify({
    supplier: 'debt-collector',
    operation: 'debt.collect',
    subject: { id: subjectId },
    purpose: 'debt_collection',
    basis: { type: 'contract', reference: `contract-${randomUUID()}` },
    data: debtCollectData(),
  });
}

/** The `data` of a debt collection, with a new invoice number each time. */
export function debtCollectData() {
  return {
    debtor: {
      firstName: 'Jan',
      lastName: 'Jansen',
      email: 'jan.jansen@example.nl',
      phone: '+31201234567',
      address: { street: 'Voorbeeldstraat', number: '1', postalCode: '1011AB', city: 'Amsterdam', country: 'NL' },
      iban: 'NL91ABNA0417164300',
    },
    invoices: [{ number: `INV-${randomBytes(4).toString('hex')}`, amount: '125.50', currency: 'EUR', dueDate: '2026-03-31' }],
  };
}
