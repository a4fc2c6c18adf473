import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { labelledFields, payloadAjv, type LabelledField } from './payload-validator';

/** The agreements and agreed schemas shipped with the gateway, one folder per supplier. */
export const schemasDir = path.join(__dirname, '..', '..', 'schemas');

/** Supplier ids are the folder names under schemas/: the suppliers file, transfer requests and log filters all use this form. */
export const supplierIdPattern = '^[a-z0-9][a-z0-9-]{0,63}$';

export const basisTypes = ['contract', 'consent', 'legal_obligation', 'legitimate_interest'] as const;
export type BasisType = (typeof basisTypes)[number];

export interface AgreementFile {
  supplier: string;
  legalName: string;
  role: 'processor' | 'controller';
  agreementReference: string;
  validFrom: string;
  validUntil: string;
  country: string;
  purposes: Record<string, { description: string; bases: BasisType[] }>;
  operations: Record<string, { schema: string; purposes: string[] }>;
  /** Whose data the supplier receives (GDPR Art. 30(1)(c)), in words: "customers who order a domain name". */
  subjectCategories: string[];
  /** How long the supplier keeps the data: an ISO 8601 duration after an event (Art. 30(1)(f)). */
  retention: { period: string; after: string };
  /** For a supplier outside the EEA: the Art. 45/46 ground of the transfer (an adequacy decision, standard contractual clauses). */
  transferSafeguard?: string;
}

export interface AgreedOperation {
  name: string;
  schemaId: string;
  purposes: string[];
  validate: ValidateFunction;
  /** The fields the schema labels with a data category, under `/data`. */
  fields: LabelledField[];
}

export interface Agreement extends Omit<AgreementFile, 'operations'> {
  operations: Map<string, AgreedOperation>;
}

const agreementSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['supplier', 'legalName', 'role', 'agreementReference', 'validFrom', 'validUntil', 'country', 'purposes', 'operations', 'subjectCategories', 'retention'],
  properties: {
    supplier: { type: 'string' },
    legalName: { type: 'string', minLength: 1 },
    role: { enum: ['processor', 'controller'] },
    agreementReference: { type: 'string', minLength: 1 },
    validFrom: { type: 'string', format: 'date' },
    validUntil: { type: 'string', format: 'date' },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    purposes: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['description', 'bases'],
        properties: { description: { type: 'string' }, bases: { type: 'array', minItems: 1, items: { enum: basisTypes } } },
      },
    },
    operations: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['schema', 'purposes'],
        properties: { schema: { type: 'string' }, purposes: { type: 'array', minItems: 1, items: { type: 'string' } } },
      },
    },
    subjectCategories: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    retention: {
      type: 'object',
      additionalProperties: false,
      required: ['period', 'after'],
      properties: { period: { type: 'string', format: 'duration' }, after: { type: 'string', minLength: 1 } },
    },
    transferSafeguard: { type: 'string', minLength: 1 },
  },
};
// Agreement files are configuration: unknown keys are mistakes to report, so a strict instance checks them.
const strictAjv = new Ajv2020({ strict: true });
addFormats(strictAjv);
const validateAgreementFile = strictAjv.compile<AgreementFile>(agreementSchema);

/**
 * Loads every `schemas/<supplier>/agreement.json` and the versioned schemas beside it into the one payload
 * Ajv. Throws on the first inconsistency: a broken agreement must stop the start, not a transfer.
 */
export function loadAgreements(schemasDir: string): Map<string, Agreement> {
  const agreements = new Map<string, Agreement>();
  for (const supplier of readdirSync(schemasDir).sort()) {
    const file = path.join(schemasDir, supplier, 'agreement.json');
    if (!existsSync(file)) continue;
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!validateAgreementFile(raw)) throw new Error(`${file}: ${strictAjv.errorsText(validateAgreementFile.errors)}`);
    if (raw.supplier !== supplier) throw new Error(`${file}: supplier must be "${supplier}", the folder name`);
    if (!isInEea(raw.country) && !raw.transferSafeguard) {
      throw new Error(`${file}: country ${raw.country} is outside the EEA: name the transfer's safeguard in transferSafeguard (GDPR Art. 45, 46)`);
    }
    const ownSchemaIds = new Set<string>();
    for (const schemaFile of schemaFiles(path.join(schemasDir, supplier))) {
      const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
      if (typeof schema.$id !== 'string' || schema.$id === '') throw new Error(`${schemaFile}: has no $id, by which agreements name it`);
      ownSchemaIds.add(schema.$id);
      if (!payloadAjv.getSchema(schema.$id)) payloadAjv.addSchema(schema);
    }
    const operations = new Map<string, AgreedOperation>();
    for (const [name, operation] of Object.entries(raw.operations)) {
      // Only this supplier's own schemas: the one Ajv instance also holds every other supplier's.
      const validate = ownSchemaIds.has(operation.schema) ? payloadAjv.getSchema(operation.schema) : undefined;
      if (!validate) throw new Error(`${file}: operation ${name} names schema ${operation.schema}, which no file under schemas/${supplier} has`);
      const unknownPurpose = operation.purposes.find((purpose) => !Object.hasOwn(raw.purposes, purpose));
      if (unknownPurpose) throw new Error(`${file}: operation ${name} names purpose ${unknownPurpose}, which the agreement does not list`);
      operations.set(name, { name, schemaId: operation.schema, purposes: operation.purposes, validate, fields: labelledFields(validate.schema as object, '/data') });
    }
    agreements.set(supplier, { ...raw, operations });
  }
  return agreements;
}

/** The European Economic Area: the EU's 27 member states, Iceland, Liechtenstein and Norway. */
const eeaCountries = new Set('AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO'.split(' '));

/** Whether data sent to a supplier in `country` (ISO 3166-1 alpha-2) stays in the EEA; else the transfer needs a safeguard. */
export const isInEea = (country: string) => eeaCountries.has(country);

/** `v<N>/*.schema.json` under a supplier's folder. */
function schemaFiles(supplierDir: string): string[] {
  return readdirSync(supplierDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^v\d+$/.test(entry.name))
    .flatMap((version) =>
      readdirSync(path.join(supplierDir, version.name))
        .filter((name) => name.endsWith('.schema.json'))
        .map((name) => path.join(supplierDir, version.name, name)),
    );
}
