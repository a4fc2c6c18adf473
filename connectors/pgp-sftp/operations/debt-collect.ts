import type { Operation } from '../../../src/connector-kit';
import { type FileDrop, canonicalJson, deliverFile, discardFile, eraseFile, lookupFile } from '../file-drop';

/** `$id` of the agreed request schema (schemas/debt-collector/v1/debt.collect.request.schema.json). */
export const DEBT_COLLECT_SCHEMA_ID = 'https://schemas.supplier-gateway.local/debt-collector/v1/debt.collect.request.schema.json';

/** The payload after the gateway validated it against the agreed schema. */
export interface DebtCollectPayload {
  debtor: {
    firstName: string;
    lastName: string;
    email: string;
    phone: string;
    address: { street: string; number: string; postalCode: string; city: string; country: string };
    iban: string;
  };
  invoices: Array<{ number: string; amount: string; currency: string; dueDate: string }>;
}

/**
 * The document the agency receives: the payload exactly as agreed and validated, under `data`, with the
 * transfer id and operation as envelope (ids, no personal value), in canonical JSON.
 */
export function debtCollectDocument(payload: DebtCollectPayload, transferId: string): Buffer {
  return canonicalJson({ transferId, operation: 'debt.collect', data: payload });
}

/** A shape check only: the gateway validated the payload against the agreed schema already. */
function isDebtCollectPayload(payload: unknown): payload is DebtCollectPayload {
  const candidate = payload as Partial<DebtCollectPayload> | null;
  return typeof candidate?.debtor === 'object' && candidate.debtor !== null && Array.isArray(candidate.invoices);
}

/** `debt.collect` as a file dropped at the agency. */
export function debtCollect(drop: FileDrop): Operation<DebtCollectPayload> {
  return {
    isPayload: isDebtCollectPayload,
    deliver: (payload, ctx) => deliverFile(drop, debtCollectDocument(payload, ctx.transferId), ctx),
    lookup: (_payload, ctx) => lookupFile(drop, ctx),
    discard: (ctx) => discardFile(drop, ctx),
    erase: (record, ctx) => eraseFile(drop, record, ctx),
  };
}
