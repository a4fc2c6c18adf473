/** Building blocks of the OpenAPI document's schemas. */
export type Schema = Record<string, unknown>;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const nullable = (schema: Schema) => ({ anyOf: [schema, { type: 'null' }] });
export const dateTime = { type: 'string', format: 'date-time' };
export const strings = { type: 'array', items: { type: 'string' } };
