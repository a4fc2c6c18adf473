import Ajv2020 from 'ajv/dist/2020';
import { basisTypes, supplierIdPattern, type BasisType } from '../agreements/agreements';
import { pointerTo, problems, schemaErrors, type InputError, type Problem } from '../problem';
import { firstValueTooDeep } from './json-nesting';

export interface TransferRequest {
  supplier: string;
  operation: string;
  subject: { id: string };
  purpose: string;
  basis: { type: BasisType; reference?: string };
  data: Record<string, unknown>;
}

/** Objects and arrays nest at most this deep in a request: far more than any agreed payload needs, and a bound for every recursive step after the parse. */
export const maxNesting = 64;

/**
 * Text a person can read as it is: letters, marks, digits, punctuation, symbols and spaces, not only spaces.
 * No control or format character (a terminal escape, a bidi override such as U+202E), no unpaired surrogate:
 * references are stored in the shares log and read there by people.
 */
export const printableText = /^(?=.*\S)[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]+$/u;
/** Subject ids and references are bounded, in characters (code points), as JSON Schema counts them. */
const maxReferenceLength = 200;

/** An operation's name; the lookahead bounds the pattern's work on long text (Ajv tries every rule, maxLength does not stop the pattern). */
export const operationPattern = '^(?=.{3,64}$)[a-z]+(\\.[a-z_]+)+$';

/** A reference people file and read back (an order, a consent, an erasure request): printable and bounded. */
export const referenceSchema = { type: 'string', maxLength: maxReferenceLength, format: 'printable' };

/** A subject id, as a transfer request gives it and a filter names it. */
export const subjectIdSchema = referenceSchema;

export const envelopeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['supplier', 'operation', 'subject', 'purpose', 'basis', 'data'],
  properties: {
    supplier: { type: 'string', pattern: supplierIdPattern },
    operation: { type: 'string', pattern: operationPattern, maxLength: 64 },
    subject: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: { id: subjectIdSchema },
    },
    purpose: { type: 'string', pattern: '^[a-z_]{1,64}$' },
    basis: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { enum: basisTypes }, reference: referenceSchema },
      // The customer's order or consent must be named: it is the instruction the share rests on.
      if: { properties: { type: { enum: ['contract', 'consent'] } } },
      then: { required: ['reference'] },
    },
    data: { type: 'object' },
  },
};

// The envelope is ours, not the supplier's: unknown keys are errors, never silently stripped.
const validateEnvelope = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, formats: { printable: printableText } }).compile<TransferRequest>(envelopeSchema);

/** A transfer request from its JSON text: 400 when the text is not JSON or nests too deep, 422 listing every envelope error. */
export function parseTransferRequest(text: string): { request: TransferRequest } | { problem: Problem } {
  const tooDeep = firstValueTooDeep(text, maxNesting);
  if (tooDeep) {
    return { problem: problems.badRequest(`The body nests objects and arrays deeper than ${maxNesting} levels.`, [{ pointer: pointerTo(tooDeep), detail: `is nested deeper than ${maxNesting} levels` }]) };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problem: problems.notJson() };
  }
  if (validateEnvelope(body)) {
    const errors: InputError[] = [];
    collectUnstorable(body, [], errors);
    return errors.length ? { problem: problems.invalid(errors) } : { request: body };
  }
  const errors = schemaErrors(validateEnvelope.errors ?? [], 'a transfer request');
  return { problem: problems.invalid(errors) };
}

/** NUL, or half of a surrogate pair: PostgreSQL cannot store either in text or JSON. */
const unstorableText = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Values the steps after intake cannot take are refused here, by pointer: text PostgreSQL would refuse, which
 * would fail the whole group-commit batch and with it the other callers' requests, and numbers JSON.parse made
 * Infinity, which canonical JSON (RFC 8785) refuses and JSON.stringify would turn into null. Recursive, over
 * at most `maxNesting` levels.
 */
function collectUnstorable(value: unknown, path: (string | number)[], errors: InputError[]): void {
  if (typeof value === 'string') {
    if (unstorableText.test(value)) errors.push({ pointer: pointerTo(path), detail: 'contains a NUL character or an unpaired surrogate' });
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) errors.push({ pointer: pointerTo(path), detail: 'is a number beyond the range of a 64-bit float' });
  } else if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) collectMember(value[index], index, path, errors);
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (unstorableText.test(key)) errors.push({ pointer: pointerTo(path), detail: 'has a field name with a NUL character or an unpaired surrogate' });
      else collectMember((value as Record<string, unknown>)[key], key, path, errors);
    }
  }
}

/** One level down, on the same path array: no copy per value. */
function collectMember(value: unknown, segment: string | number, path: (string | number)[], errors: InputError[]): void {
  path.push(segment);
  collectUnstorable(value, path, errors);
  path.pop();
}
