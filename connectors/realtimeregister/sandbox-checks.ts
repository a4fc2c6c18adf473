// A tiny structural validator for the sandbox: enough to refuse what Realtime Register's documented restrictions
// refuse for the bodies the connector sends, and to refuse field names the docs do not define, so a misspelling
// fails in tests.

/** What is wrong: the field's path and the value sent (the real API echoes it), or a field the API does not know. */
export interface Problem {
  field: string;
  value: unknown;
  unknownField?: true;
}

export type Check = (value: unknown, path: string) => Problem | undefined;

export const text = (minLength: number, maxLength: number, pattern?: RegExp): Check => (value, path) =>
  typeof value === 'string' && value.length >= minLength && value.length <= maxLength && (!pattern || pattern.test(value)) ? undefined : { field: path, value };

/** An integer from `min` to `max`, a multiple of `step`. */
export const integer = (min: number, max: number, step = 1): Check => (value, path) =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max && (value as number) % step === 0 ? undefined : { field: path, value };

export const arrayOf = (item: Check, minItems: number, maxItems: number): Check => (value, path) => {
  if (!Array.isArray(value) || value.length < minItems || value.length > maxItems) return { field: path, value: undefined };
  for (const [index, element] of value.entries()) {
    const problem = item(element, `${path}[${index}]`);
    if (problem) return problem;
  }
  return undefined;
};

export function object(known: readonly string[], checks: Record<string, Check>, required: readonly string[]): Check {
  return (value, path) => {
    const at = (key: string) => (path ? `${path}.${key}` : key);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { field: path || 'body', value: undefined };
    const record = value as Record<string, unknown>;
    const unknownKey = Object.keys(record).find((key) => !known.includes(key));
    if (unknownKey !== undefined) return { field: at(unknownKey), value: undefined, unknownField: true };
    const missing = required.find((key) => record[key] === undefined);
    if (missing !== undefined) return { field: at(missing), value: undefined };
    for (const [key, check] of Object.entries(checks)) {
      if (record[key] === undefined) continue;
      const problem = check(record[key], at(key));
      if (problem) return problem;
    }
    return undefined;
  };
}
