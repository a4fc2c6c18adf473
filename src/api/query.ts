import type { ValidateFunction } from 'ajv';
import type { NextFunction, Request, Response } from 'express';
import { pointerTo, problems, type InputError } from '../problem';
import { queryAjv } from './validators';

/** How a route reads one query parameter. */
export interface QueryParameter<T> {
  /** The JSON Schema the parameter's value must match (text coerced to its type); the OpenAPI document shows it as it is. */
  schema: Record<string, unknown>;
  /** What a good value looks like, for the error; an error never shows the value itself. */
  expected: string;
  /** The value, once it matches the schema; undefined when it still means nothing (a cursor not made here). */
  parse(value: unknown): T | undefined;
}

export type QueryParameters = Record<string, QueryParameter<unknown>>;
export type QueryValues<P extends QueryParameters> = { [Name in keyof P]?: P[Name] extends QueryParameter<infer T> ? T : never };

const validators = new WeakMap<Record<string, unknown>, ValidateFunction<{ value: unknown }>>();

function coerced(schema: Record<string, unknown>, text: string): { value: unknown } | undefined {
  let validate = validators.get(schema);
  // Coercion changes a value in the object holding it.
  if (!validate) validators.set(schema, (validate = queryAjv.compile({ type: 'object', properties: { value: schema } })));
  const holder = { value: text };
  return validate(holder) ? holder : undefined;
}

/**
 * A route's query: the parameters it names, each given at most once, matching its schema and read by its parser.
 * Anything else is a 400 naming each bad parameter by pointer (`/query/<name>`): an unknown parameter is a mistake
 * to point out (a filter with a typo would otherwise answer everything), not one to ignore.
 */
export function readQuery<P extends QueryParameters>(req: Request, parameters: P): QueryValues<P> {
  const errors: InputError[] = [];
  const values: Record<string, unknown> = {};
  const known = Object.keys(parameters);
  for (const [name, given] of Object.entries(req.query)) {
    const pointer = pointerTo(['query', name]);
    const parameter = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
    if (!parameter) errors.push({ pointer, detail: `is not a parameter of this route, which takes ${known.length ? known.join(', ') : 'none'}` });
    else if (typeof given !== 'string') errors.push({ pointer, detail: 'must be given once' });
    else {
      const value = given === '' ? undefined : readValue(parameter, given);
      if (value === undefined) errors.push({ pointer, detail: `must be ${parameter.expected}` });
      else values[name] = value;
    }
  }
  if (errors.length) throw problems.badRequest('Some query parameters are unknown or invalid; see errors.', errors);
  return values as QueryValues<P>;
}

/** The value of `text` for `parameter`, or undefined when the text is not a good one. */
export function readValue<T>(parameter: QueryParameter<T>, text: string): T | undefined {
  const holder = coerced(parameter.schema, text);
  return holder && parameter.parse(holder.value);
}

/** For a route that takes no query parameters. */
export function noQueryParameters(req: Request, _res: Response, next: NextFunction) {
  readQuery(req, {});
  next();
}

/** Text that matches `schema`, taken as it is. */
export const textParameter = (expected: string, schema: Record<string, unknown>): QueryParameter<string> => ({
  schema: { type: 'string', ...schema },
  expected,
  parse: (value) => value as string,
});

/** One of `values`. */
export const enumParameter = <T extends string>(values: readonly T[]): QueryParameter<T> => ({
  schema: { enum: values },
  expected: `one of ${values.join(', ')}`,
  parse: (value) => value as T,
});

export const integerParameter = (minimum: number, maximum: number): QueryParameter<number> => ({
  schema: { type: 'integer', minimum, maximum },
  expected: `an integer from ${minimum} to ${maximum}`,
  parse: (value) => value as number,
});

/** A date (2026-01-31) or a date-time with its offset (2026-01-31T12:00:00Z), as RFC 3339 writes them. */
export const dateParameter: QueryParameter<Date> = {
  schema: { type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }] },
  expected: 'a date (2026-01-31) or a date-time with an offset (2026-01-31T12:00:00Z)',
  parse: (value) => new Date(value as string),
};

/** An opaque page cursor: base64url of what `decode` reads back, or undefined for one this API did not make. */
export const cursorParameter = <T>(decode: (text: string) => T | undefined): QueryParameter<T> => ({
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
  expected: 'a cursor this API gave out',
  parse: (value) => decode(Buffer.from(value as string, 'base64url').toString()),
});

/** A cursor holding the last id or sequence number of the page before. */
export const sequenceCursor = cursorParameter((text) => (/^[1-9][0-9]{0,14}$/.test(text) ? Number(text) : undefined));
