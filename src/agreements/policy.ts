import { Problem } from '../problem';
import type { Agreement, BasisType } from './agreements';

/** Why a transfer was refused; each is also a problem type. */
export type RefusalReason = 'agreement-not-in-force' | 'purpose-not-covered' | 'basis-not-covered';

export class Refusal extends Problem {
  constructor(readonly reason: RefusalReason, detail: string) {
    super(403, reason, 'Not covered by the agreement', detail);
  }
}

/** Whether the agreement is in force on `now`'s day (UTC), validFrom and validUntil included. */
export function inForce(agreement: Agreement, now = new Date()): boolean {
  const today = now.toISOString().slice(0, 10);
  return today >= agreement.validFrom && today <= agreement.validUntil;
}

/** No share without an instruction or consent the agreement covers (docs/architecture.md, "The promises"). */
export function checkPolicy(agreement: Agreement, operation: string, purpose: string, basisType: BasisType, now = new Date()): void {
  if (!inForce(agreement, now)) {
    throw new Refusal('agreement-not-in-force', `The agreement with ${agreement.supplier} is in force from ${agreement.validFrom} to ${agreement.validUntil}.`);
  }
  const agreedPurpose = agreement.purposes[purpose];
  if (!agreedPurpose || !agreement.operations.get(operation)?.purposes.includes(purpose)) {
    throw new Refusal('purpose-not-covered', `The agreement with ${agreement.supplier} does not cover the requested purpose for ${operation}; it covers ${agreement.operations.get(operation)?.purposes.join(', ')}.`);
  }
  if (!agreedPurpose.bases.includes(basisType)) {
    throw new Refusal('basis-not-covered', `The agreement with ${agreement.supplier} covers ${purpose} only on basis ${agreedPurpose.bases.join(', ')}.`);
  }
}
