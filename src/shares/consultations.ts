import type { Queryable } from '../store';

/** What privacy staff read about people: each read is recorded (GDPR Art. 5(2): the controller shows what it did). */
export type ConsultedResource = 'shares' | 'disclosures' | 'export' | 'erasure';

export interface Reader {
  apiKeyId: string;
  apiKeyName: string;
}

/**
 * Records one read: who (the API key's id and name, kept as the key may be revoked later), what, with which
 * filter. A subject in a filter is given as its keyed hash, never as the id itself.
 */
export async function recordConsultation(db: Queryable, reader: Reader, resource: ConsultedResource, filter: Record<string, unknown>): Promise<void> {
  await db.query('insert into log_consultations (api_key_id, api_key_name, resource, filter) values ($1, $2, $3, $4)', [
    reader.apiKeyId,
    reader.apiKeyName,
    resource,
    JSON.stringify(filter),
  ]);
}
