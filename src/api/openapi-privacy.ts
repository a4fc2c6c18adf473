import { consultedResources } from '../shares/consultations';
import { transferStatuses } from '../transfers/operations';
import { dateTime, nullable, strings, type Schema } from './openapi-schemas';

/** The answers privacy staff and admins read about people: disclosures, the export, consultations, the Art. 30 record. */
export const privacySchemas: Record<string, Schema> = {
  Disclosures: {
    type: 'object',
    description: "GDPR Art. 15(1)(c): every share of the subject, by recipient. No personal value: field names and categories only.",
    additionalProperties: false,
    required: ['recipients', 'summary'],
    properties: {
      recipients: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['supplier', 'legalName', 'role', 'country', 'transfers'],
          properties: {
            supplier: { type: 'string' },
            legalName: { type: 'string' },
            role: nullable({ enum: ['processor', 'controller'], description: 'From the agreement; null for a supplier no longer configured.' }),
            country: nullable({ type: 'string', pattern: '^[A-Z]{2}$' }),
            transfers: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['transferId', 'at', 'operation', 'purpose', 'basis', 'agreementReference', 'fieldsShared', 'categories', 'fieldsWithheld', 'outcome', 'supplierReference', 'shareEntries'],
                properties: {
                  transferId: { type: 'string', format: 'uuid' },
                  at: { ...dateTime, description: 'When the first attempt started sending.' },
                  operation: { type: 'string' },
                  purpose: { type: 'string' },
                  basis: { type: 'object', required: ['type', 'reference'], properties: { type: { type: 'string' }, reference: nullable({ type: 'string' }) } },
                  agreementReference: { type: 'string' },
                  fieldsShared: strings,
                  categories: strings,
                  fieldsWithheld: strings,
                  outcome: { enum: ['delivered', 'failed', 'outcome unknown'], description: 'Each counts as disclosed: a failed attempt had started sending, and an unknown one may have landed.' },
                  supplierReference: nullable({ type: 'string' }),
                  shareEntries: { type: 'array', items: { type: 'integer' }, description: 'The seq of each of its shares-log entries.' },
                },
              },
            },
          },
        },
      },
      summary: { type: 'string', description: 'The same in plain sentences, one line per recipient, to send the customer.' },
    },
  },
  SubjectExport: {
    type: 'object',
    description: 'GDPR Art. 15(3): the values sent about the subject. Personal data: privacy keys only, every read recorded.',
    additionalProperties: false,
    required: ['sent', 'notSent'],
    properties: {
      sent: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['transferId', 'supplier', 'operation', 'purpose', 'shareEntries', 'erased', 'data'],
          properties: {
            transferId: { type: 'string', format: 'uuid' },
            supplier: { type: 'string' },
            operation: { type: 'string' },
            purpose: { type: 'string' },
            shareEntries: { type: 'array', items: { type: 'object', required: ['seq', 'event', 'at'], properties: { seq: { type: 'integer' }, event: { type: 'string' }, at: dateTime } } },
            erased: { type: 'boolean', description: 'Its data key was destroyed (erasure or cancellation): no values.' },
            data: nullable({ type: 'object', description: "Exactly the minimised payload the supplier's connector was given." }),
          },
        },
      },
      notSent: {
        type: 'array',
        description: 'Transfers no attempt has started: nothing left, so no values.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['transferId', 'supplier', 'operation', 'status', 'createdAt'],
          properties: { transferId: { type: 'string', format: 'uuid' }, supplier: { type: 'string' }, operation: { type: 'string' }, status: { enum: transferStatuses }, createdAt: dateTime },
        },
      },
    },
  },
  ConsultationList: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'at', 'apiKeyId', 'apiKeyName', 'resource', 'filter'],
          properties: {
            id: { type: 'integer' },
            at: dateTime,
            apiKeyId: { type: 'string' },
            apiKeyName: nullable({ type: 'string' }),
            resource: { enum: consultedResources },
            filter: { type: 'object', description: 'As the reader gave it, a subject as its keyed hash (subjectHash).' },
          },
        },
      },
      nextCursor: nullable({ type: 'string' }),
    },
  },
  ProcessingRecord: {
    type: 'object',
    description: 'GDPR Art. 30(1), generated from the configured agreements and their agreed schemas.',
    required: ['generatedAt', 'activities'],
    properties: {
      generatedAt: dateTime,
      activities: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['supplier', 'recipient', 'agreement', 'purposes', 'subjectCategories', 'dataCategories', 'operations', 'transferOutsideEea', 'retention', 'safeguards'],
          properties: {
            supplier: { type: 'string' },
            recipient: { type: 'object', required: ['legalName', 'role', 'country'], properties: { legalName: { type: 'string' }, role: { enum: ['processor', 'controller'] }, country: { type: 'string' } } },
            agreement: {
              type: 'object',
              required: ['reference', 'validFrom', 'validUntil', 'inForce'],
              properties: { reference: { type: 'string' }, validFrom: { type: 'string', format: 'date' }, validUntil: { type: 'string', format: 'date' }, inForce: { type: 'boolean' } },
            },
            purposes: { type: 'array', items: { type: 'object', required: ['purpose', 'description', 'bases'], properties: { purpose: { type: 'string' }, description: { type: 'string' }, bases: strings } } },
            subjectCategories: strings,
            dataCategories: strings,
            operations: {
              type: 'array',
              items: { type: 'object', required: ['operation', 'schemaId', 'purposes', 'dataCategories'], properties: { operation: { type: 'string' }, schemaId: { type: 'string' }, purposes: strings, dataCategories: strings } },
            },
            transferOutsideEea: nullable({ type: 'object', required: ['country', 'safeguard'], properties: { country: { type: 'string' }, safeguard: { type: 'string' } } }),
            retention: { type: 'object', required: ['period', 'after'], properties: { period: { type: 'string', format: 'duration' }, after: { type: 'string' } } },
            safeguards: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    },
  },
};
