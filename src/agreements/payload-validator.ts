import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';
import { isValidIBAN } from 'ibantools';
import { isValidPhoneNumber } from 'libphonenumber-js';
import { isFieldName, type InputError } from '../problem';

/**
 * The one Ajv instance for agreed payload schemas. `removeAdditional: 'all'` strips every field a schema
 * does not name while validating, which is exactly data minimisation; we diff before and after to report
 * what was withheld.
 */
export const payloadAjv = new Ajv2020({ allErrors: true, removeAdditional: 'all', strict: true });
addFormats(payloadAjv);
payloadAjv.addKeyword({ keyword: 'x-data-category', schemaType: 'string' });
/**
 * Ajv checks a format even on a value already too long (allErrors): the email pattern would take
 * milliseconds of the one event loop over a 240 KB string, so the length is checked first.
 */
const emailPattern = fullFormats.email as RegExp;
payloadAjv.addFormat('email', { type: 'string', validate: (text: string) => text.length <= 254 && emailPattern.test(text) });
/**
 * A phone number in E.164 form that is valid in its country's numbering plan (libphonenumber): a pattern
 * passes +1000000, which every supplier then refuses for good.
 */
payloadAjv.addFormat('e164-phone', { type: 'string', validate: (text: string) => /^\+[1-9][0-9]{6,14}$/.test(text) && isValidPhoneNumber(text) });
/** An IBAN (ISO 13616, electronic form) with the length and check digits of its country: a typo never reaches a bank. */
payloadAjv.addFormat('iban', { type: 'string', validate: (text: string) => text.length <= 34 && isValidIBAN(text) });

const maxWithheld = 100;

export interface FieldDescription {
  pointer: string;
  category: string;
}

export interface Minimised {
  payload: unknown;
  withheld: string[];
  errors: InputError[];
}

/** Strips what `validate`'s schema does not allow, then reports what was withheld and what is invalid, by pointer under `base`. */
export function minimise(validate: ValidateFunction, data: unknown, base: string): Minimised {
  const payload = structuredClone(data);
  const valid = validate(payload);
  const withheld: string[] = [];
  const errors: InputError[] = [];
  collectRemoved(data, payload, base, withheld, errors);
  // Each withheld field is named in the answer and in every share entry of the transfer: a bounded list.
  if (withheld.length > maxWithheld) return { payload, withheld: [], errors: [{ pointer: base, detail: `has more than ${maxWithheld} fields the agreement does not allow; send only what the transfer needs` }] };
  if (!valid) errors.push(...(validate.errors ?? []).map((error) => toInputError(error, base)));
  return { payload, withheld, errors };
}

/**
 * Withheld fields are reported by name, in answers and in the append-only shares log, so only a key that
 * looks like a field name is named: a caller could otherwise put personal data into the log through a key.
 * Recursive, over at most the request's nesting limit (envelope.ts).
 */
function collectRemoved(original: unknown, kept: unknown, pointer: string, withheld: string[], errors: InputError[]): void {
  if (original === null || typeof original !== 'object' || kept === null || typeof kept !== 'object') return;
  for (const key of Object.keys(original)) {
    // Own properties only: `in` would count an inherited `constructor` or `toString` as kept.
    if (Object.hasOwn(kept, key)) {
      collectRemoved((original as Record<string, unknown>)[key], (kept as Record<string, unknown>)[key], `${pointer}/${escapePointer(key)}`, withheld, errors);
    } else if (isFieldName(key)) withheld.push(`${pointer}/${escapePointer(key)}`);
    else errors.push({ pointer, detail: 'has a field the agreement does not allow whose name is not a field name (letters, digits, _ and -)' });
  }
}

/** Ajv's messages name the rule, never the value; a missing field gets its own pointer. */
function toInputError(error: ErrorObject, base: string): InputError {
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return { pointer: `${base}${error.instancePath}/${escapePointer(missing)}`, detail: 'is required' };
  }
  return { pointer: `${base}${error.instancePath}`, detail: error.message ?? 'is invalid' };
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

type SchemaNode = { properties?: Record<string, SchemaNode>; 'x-data-category'?: string };

/** A field the schema labels with a data category: where it is (keys from the payload's root) and its pointer. */
export interface LabelledField extends FieldDescription {
  path: string[];
}

/** Every labelled field of a schema, worked out once when the schema loads; `pointer` is where the payload sits. */
export function labelledFields(schema: SchemaNode, pointer: string, path: string[] = []): LabelledField[] {
  const category = schema['x-data-category'];
  if (category) return [{ path, pointer, category }];
  return Object.entries(schema.properties ?? {}).flatMap(([key, child]) => labelledFields(child, `${pointer}/${escapePointer(key)}`, [...path, key]));
}

/** The labelled fields present in a minimised payload, each with its data category. */
export function describeFields(fields: LabelledField[], data: unknown): FieldDescription[] {
  return fields.filter((field) => valueAt(data, field.path) !== undefined).map(({ pointer, category }) => ({ pointer, category }));
}

function valueAt(data: unknown, path: string[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
