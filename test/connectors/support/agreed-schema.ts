import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** A validator for the agreed request schema of `operation`, as `schemas/<supplier>/v1` holds it. */
export function agreedSchemaValidator(supplier: string, operation: string): ValidateFunction {
  const file = path.join(__dirname, '../../../schemas', supplier, 'v1', `${operation}.request.schema.json`);
  return addFormats(new Ajv2020({ strict: false })).compile(JSON.parse(readFileSync(file, 'utf8')));
}
