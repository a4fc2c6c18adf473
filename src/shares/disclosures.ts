import type { Agreement } from '../agreements/agreements';
import type { Queryable } from '../store';
import type { ShareEvent } from './events';
import { eachShare } from './share-log';

/**
 * What a transfer's attempts came to. An attempt is a disclosure from the moment it started sending: one
 * the supplier refused still reached it, and one with no outcome (a crash, a lost answer) may have.
 */
export type DeliveryOutcome = 'delivered' | 'failed' | 'outcome unknown';

/** One transfer to a recipient, as its share entries tell it: no personal value. */
export interface Disclosure {
  transferId: string;
  /** When the first attempt started sending. */
  at: string;
  operation: string;
  purpose: string;
  basis: { type: string; reference: string | null };
  agreementReference: string;
  fieldsShared: string[];
  categories: string[];
  fieldsWithheld: string[];
  outcome: DeliveryOutcome;
  supplierReference: string | null;
  /** The seq of each of its entries in the shares log. */
  shareEntries: number[];
}

export interface Recipient {
  supplier: string;
  legalName: string;
  /** From the supplier's agreement; null for a supplier no longer configured here. */
  role: 'processor' | 'controller' | null;
  country: string | null;
  transfers: Disclosure[];
}

/** GDPR Art. 15(1)(c): who received a subject's data, when, why and what; and a summary to send the customer. */
export interface SubjectDisclosures {
  recipients: Recipient[];
  summary: string;
}

type DeliveryEvent = Extract<ShareEvent, { event: `delivery.${string}` }>;

const isDelivery = (entry: ShareEvent): entry is DeliveryEvent => entry.event.startsWith('delivery.');

/**
 * Every share of one subject (its keyed hash), grouped by recipient in the order they first received data.
 * Only delivery entries count: a refused or cancelled transfer that was never attempted sent nothing.
 */
export async function subjectDisclosures(db: Queryable, subjectHash: string, agreements: Map<string, Agreement>): Promise<SubjectDisclosures> {
  const recipients = new Map<string, Recipient>();
  const disclosures = new Map<string, Disclosure>();
  for await (const entry of eachShare(db, { subjectHash })) {
    if (!isDelivery(entry)) continue;
    let disclosure = disclosures.get(entry.transferId);
    if (!disclosure) {
      disclosure = {
        transferId: entry.transferId,
        at: entry.at,
        operation: entry.operation,
        purpose: entry.purpose,
        basis: entry.basis,
        agreementReference: entry.agreementReference,
        fieldsShared: entry.fieldsShared,
        categories: entry.categories,
        fieldsWithheld: entry.fieldsWithheld,
        outcome: 'outcome unknown',
        supplierReference: null,
        shareEntries: [],
      };
      disclosures.set(entry.transferId, disclosure);
      recipientOf(recipients, entry, agreements.get(entry.supplier)).transfers.push(disclosure);
    }
    disclosure.shareEntries.push(entry.seq);
    // Entries come in seq order, so the latest attempt decides, but a delivery once confirmed stays delivered.
    if (disclosure.outcome === 'delivered') continue;
    if (entry.event === 'delivery.succeeded') {
      disclosure.outcome = 'delivered';
      disclosure.supplierReference = entry.supplierReference;
    } else if (entry.event === 'delivery.failed') disclosure.outcome = entry.outcomeUnknown ? 'outcome unknown' : 'failed';
    else disclosure.outcome = 'outcome unknown';
  }
  const listed = [...recipients.values()];
  return { recipients: listed, summary: summarise(listed, agreements) };
}

function recipientOf(recipients: Map<string, Recipient>, entry: DeliveryEvent, agreement: Agreement | undefined): Recipient {
  let recipient = recipients.get(entry.supplier);
  if (!recipient) {
    recipient = { supplier: entry.supplier, legalName: agreement?.legalName ?? entry.recipient, role: agreement?.role ?? null, country: agreement?.country ?? null, transfers: [] };
    recipients.set(entry.supplier, recipient);
  }
  return recipient;
}

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });
const roleNames = { processor: 'a processor, acting on our instructions', controller: 'a controller, responsible itself for what it does with the data' };

/** Plain sentences a privacy officer can send the customer as they are, or adapt. */
function summarise(recipients: Recipient[], agreements: Map<string, Agreement>): string {
  if (recipients.length === 0) return 'We have not shared data about you with any of our suppliers.';
  const sentences = recipients.map((recipient) => {
    const { transfers } = recipient;
    const who = [recipient.country && countryNames.of(recipient.country), recipient.role && roleNames[recipient.role]].filter(Boolean).join('; ');
    const days = transfers.map((transfer) => transfer.at.slice(0, 10));
    const when = days[0] === days.at(-1) ? `on ${days[0]}` : `between ${days[0]} and ${days.at(-1)}`;
    const why = distinct(transfers.map((transfer) => agreements.get(recipient.supplier)?.purposes[transfer.purpose]?.description ?? transfer.purpose));
    const bases = distinct(transfers.map((transfer) => transfer.basis.type.replace(/_/g, ' ')));
    const unconfirmed = transfers.filter((transfer) => transfer.outcome !== 'delivered').length;
    return [
      `${recipient.legalName}${who && ` (${who})`} received data about you ${transfers.length === 1 ? 'once' : `${transfers.length} times`}, ${when}.`,
      `Why: ${why.join('; ')} (lawful basis: ${bases.join(', ')}).`,
      `What: ${distinct(transfers.flatMap((transfer) => transfer.categories)).join(', ')}.`,
      ...(unconfirmed ? [`${unconfirmed} of these ${unconfirmed === 1 ? 'was' : 'were'} not confirmed as delivered; they are listed because the data was sent, or may have been.`] : []),
    ].join(' ');
  });
  return sentences.join('\n');
}

const distinct = (values: string[]) => [...new Set(values)].sort();
