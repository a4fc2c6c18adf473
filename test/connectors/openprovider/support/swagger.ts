import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

/** Openprovider's own Swagger 2.0 files, copied into the repository with their source (swagger/README.md). */
const SWAGGER_FILES = {
  auth: 'auth.swagger.json',
  customer: 'reseller-customer.swagger.json',
  domain: 'domain.swagger.json',
} as const;

type SwaggerFile = keyof typeof SWAGGER_FILES;
const swaggerDir = path.resolve(__dirname, '../swagger');

/**
 * Swagger never says `additionalProperties: false`, so a misspelled field would pass. Closing every
 * object with declared properties makes any field the swagger does not know fail validation.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (typeof node !== 'object' || node === null) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) copy[key] = key === 'example' ? value : closeObjects(value);
  if (typeof copy.properties === 'object' && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

// Swagger 2.0 definitions are draft-04-style JSON Schema; `example`, `title` and formats such as
// int32 are not validation keywords for Ajv, hence strict:false and no format validation.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
for (const [name, file] of Object.entries(SWAGGER_FILES)) {
  const swagger = JSON.parse(readFileSync(path.join(swaggerDir, file), 'utf8')) as { definitions: object };
  ajv.addSchema({ $id: `openprovider-${name}`, definitions: closeObjects(swagger.definitions) });
}

/** A validator for one swagger definition, e.g. `swaggerValidator('customer', 'customerCreateCustomerRequest')`. */
export function swaggerValidator(file: SwaggerFile, definition: string): ValidateFunction {
  const validate = ajv.getSchema(`openprovider-${file}#/definitions/${definition}`);
  if (!validate) throw new Error(`no definition ${definition} in ${SWAGGER_FILES[file]}`);
  return validate;
}

/** Ajv's errors for `value` (empty when it fits), so a failing expectation shows why. */
export function swaggerErrors(file: SwaggerFile, definition: string, value: unknown): unknown[] {
  const validate = swaggerValidator(file, definition);
  return validate(value) ? [] : (validate.errors ?? []);
}
