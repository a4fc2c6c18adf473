import { isInEea, type Agreement } from '../agreements/agreements';
import { inForce } from '../agreements/policy';

/**
 * How every transfer is protected, whichever the supplier (Art. 30(1)(g), Art. 32): what the gateway itself
 * enforces, so it is stated here once rather than in each agreement.
 */
const safeguards = {
  inTransit: 'TLS with a verified server certificate (verification is never turned off); plain HTTP only to loopback test suppliers',
  atRest: 'AES-256-GCM under a data key of its own per transfer, wrapped by a master key; erasing a subject destroys its data keys',
  minimisation: 'fields the agreed schema does not allow are withheld before anything is stored or sent',
  accountability: 'every share is recorded, before any byte leaves, in an append-only, hash-chained shares log without personal values',
};

/** One supplier's entry in the record of processing activities (GDPR Art. 30(1)). */
function activity(agreement: Agreement, now: Date) {
  const operations = [...agreement.operations.values()].map((operation) => ({
    operation: operation.name,
    schemaId: operation.schemaId,
    purposes: operation.purposes,
    dataCategories: distinct(operation.fields.map((field) => field.category)),
  }));
  return {
    supplier: agreement.supplier,
    recipient: { legalName: agreement.legalName, role: agreement.role, country: agreement.country },
    agreement: { reference: agreement.agreementReference, validFrom: agreement.validFrom, validUntil: agreement.validUntil, inForce: inForce(agreement, now) },
    purposes: Object.entries(agreement.purposes).map(([purpose, { description, bases }]) => ({ purpose, description, bases })),
    subjectCategories: agreement.subjectCategories,
    dataCategories: distinct(operations.flatMap((operation) => operation.dataCategories)),
    operations,
    transferOutsideEea: isInEea(agreement.country) ? null : { country: agreement.country, safeguard: agreement.transferSafeguard! },
    retention: agreement.retention,
    safeguards,
  };
}

/** The record of processing activities, generated from the configured suppliers' agreements and their agreed schemas. */
export function processingRecord(agreements: Iterable<Agreement>, now = new Date()) {
  return { generatedAt: now.toISOString(), activities: [...agreements].map((agreement) => activity(agreement, now)) };
}

const distinct = (values: string[]) => [...new Set(values)].sort();
