import Ajv2020 from 'ajv/dist/2020';
import { basisTypes, supplierIdPattern, type BasisType } from '../agreements/agreements';
import { escapePointer } from '../agreements/payload-validator';
import { problems, type InputError, type Problem } from '../problem';

export interface TransferRequest {
  supplier: string;
  operation: string;
  subject: { id: string };
  purpose: string;
  basis: { type: BasisType; reference?: string };
  data: Record<string, unknown>;
}

const envelopeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['supplier', 'operation', 'subject', 'purpose', 'basis', 'data'],
  properties: {
    supplier: { type: 'string', pattern: supplierIdPattern },
    operation: { type: 'string', pattern: '^[a-z]+(\\.[a-z_]+)+$', maxLength: 64 },
    subject: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
    },
    purpose: { type: 'string', pattern: '^[a-z_]{1,64}$' },
    basis: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { enum: basisTypes }, reference: { type: 'string', minLength: 1, maxLength: 200 } },
      // The customer's order or consent must be named: it is the instruction the share rests on.
      if: { properties: { type: { enum: ['contract', 'consent'] } } },
      then: { required: ['reference'] },
    },
    data: { type: 'object' },
  },
};

// The envelope is ours, not the supplier's: unknown keys are errors, never silently stripped.
const validateEnvelope = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile<TransferRequest>(envelopeSchema);

/** A transfer request from its JSON text: 400 when the text is not JSON, 422 listing every envelope error. */
export function parseTransferRequest(text: string): { request: TransferRequest } | { problem: Problem } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problem: problems.notJson() };
  }
  if (validateEnvelope(body)) {
    // Only an escape (\u0000, \ud800) can put such a character into text decoded from UTF-8.
    const errors = text.includes('\\u') ? unstorableText(body, '') : [];
    return errors.length ? { problem: problems.invalid(errors) } : { request: body };
  }
  const errors = (validateEnvelope.errors ?? [])
    .filter((error) => error.keyword !== 'if')
    .map((error) => {
      const params = error.params as { missingProperty?: string; additionalProperty?: string };
      const field = params.missingProperty ?? params.additionalProperty;
      return {
        pointer: field ? `${error.instancePath}/${escapePointer(field)}` : error.instancePath || '/',
        detail: params.additionalProperty ? 'is not a field of a transfer request' : params.missingProperty ? 'is required' : (error.message ?? 'is invalid'),
      };
    });
  return { problem: problems.invalid(errors) };
}

/** NUL, or half of a surrogate pair: PostgreSQL cannot store either in text or JSON. */
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text PostgreSQL would refuse is refused here, by pointer: reaching the database it would fail the whole
 * group-commit batch, and with it the other callers' requests.
 */
function unstorableText(value: unknown, pointer: string): InputError[] {
  if (typeof value === 'string') return unstorable.test(value) ? [{ pointer: pointer || '/', detail: 'contains a NUL character or an unpaired surrogate' }] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    unstorable.test(key)
      ? [{ pointer: pointer || '/', detail: 'has a field name with a NUL character or an unpaired surrogate' }]
      : unstorableText(item, `${pointer}/${escapePointer(key)}`),
  );
}
