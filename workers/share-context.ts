import type { Agreement } from '../src/agreements/agreements';
import type { ShareEvent } from '../src/shares/events';
import type { TransferRecord } from '../src/transfers/transfer-store';

type ShareContext = Omit<Extract<ShareEvent, { event: 'delivery.attempted' }>, 'event'>;

/** What every share entry of one delivery attempt says: who received what, why and on which terms. */
export function shareContext(transfer: TransferRecord, agreement: Agreement, attempt: number): ShareContext {
  return {
    transferId: transfer.id,
    supplier: transfer.supplier,
    recipient: agreement.legalName,
    operation: transfer.operation,
    purpose: transfer.purpose,
    basis: { type: transfer.basisType, reference: transfer.basisReference },
    subject: transfer.subjectHash,
    agreementReference: transfer.agreementReference,
    schemaId: transfer.schemaId,
    fieldsShared: transfer.fieldsShared,
    fieldsWithheld: transfer.fieldsWithheld,
    categories: transfer.categories,
    attempt,
  };
}
