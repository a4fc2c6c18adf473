import { fullFormats } from 'ajv-formats/dist/formats';
import type { NextFunction, Request, Response } from 'express';
import { pointerTo, problems, type InputError } from '../problem';

/** How a route reads one query parameter. */
export interface QueryParameter<T> {
  /** What a good value looks like, for the error; an error never shows the value itself. */
  expected: string;
  /** The value, or undefined when `text` is not a good one. */
  parse(text: string): T | undefined;
}

type Parameters = Record<string, QueryParameter<unknown>>;
export type QueryValues<P extends Parameters> = { [Name in keyof P]?: P[Name] extends QueryParameter<infer T> ? T : never };

/**
 * A route's query: the parameters it names, each given at most once and read by its parser. Anything else is
 * a 400 naming each bad parameter by pointer (`/query/<name>`): an unknown parameter is a mistake to point
 * out (a filter with a typo would otherwise answer everything), not one to ignore.
 */
export function readQuery<P extends Parameters>(req: Request, parameters: P): QueryValues<P> {
  const errors: InputError[] = [];
  const values: Record<string, unknown> = {};
  const known = Object.keys(parameters);
  for (const [name, given] of Object.entries(req.query)) {
    const pointer = pointerTo(['query', name]);
    const parameter = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
    if (!parameter) errors.push({ pointer, detail: `is not a parameter of this route, which takes ${known.length ? known.join(', ') : 'none'}` });
    else if (typeof given !== 'string') errors.push({ pointer, detail: 'must be given once' });
    else {
      const value = given === '' ? undefined : parameter.parse(given);
      if (value === undefined) errors.push({ pointer, detail: `must be ${parameter.expected}` });
      else values[name] = value;
    }
  }
  if (errors.length) throw problems.badRequest('Some query parameters are unknown or invalid; see errors.', errors);
  return values as QueryValues<P>;
}

/** For a route that takes no query parameters. */
export function noQueryParameters(req: Request, _res: Response, next: NextFunction) {
  readQuery(req, {});
  next();
}

/** Text as `accepts` says. */
export const textParameter = (expected: string, accepts: (text: string) => boolean): QueryParameter<string> => ({
  expected,
  parse: (text) => (accepts(text) ? text : undefined),
});

export const integerParameter = (min: number, max: number): QueryParameter<number> => ({
  expected: `an integer from ${min} to ${max}`,
  parse: (text) => {
    const value = /^-?\d{1,15}$/.test(text) ? Number(text) : NaN;
    return value >= min && value <= max ? value : undefined;
  },
});

const isDate = fullFormats.date as { validate: (text: string) => boolean };
const isDateTime = fullFormats['date-time'] as { validate: (text: string) => boolean };

/** A date (2026-01-31) or a date-time with its offset (2026-01-31T12:00:00Z), as RFC 3339 writes them. */
export const dateParameter: QueryParameter<Date> = {
  expected: 'a date (2026-01-31) or a date-time with an offset (2026-01-31T12:00:00Z)',
  parse: (text) => (isDate.validate(text) || isDateTime.validate(text) ? new Date(text) : undefined),
};
