import type { Queryable } from '../store';

/** What privacy staff read about people: each read is recorded (GDPR Art. 5(2): the controller shows what it did). */
export const consultedResources = ['shares', 'disclosures', 'export', 'erasure'] as const;
export type ConsultedResource = (typeof consultedResources)[number];

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

/** One recorded read; reads recorded before keys were named have no `apiKeyName`. */
export interface Consultation {
  id: number;
  at: string;
  apiKeyId: string;
  apiKeyName: string | null;
  resource: ConsultedResource;
  filter: Record<string, unknown>;
}

export interface ConsultationFilter {
  resource?: ConsultedResource;
  since?: Date;
  until?: Date;
  /** The id of the last one of the page before: pages go newest first. */
  beforeId?: number;
  limit: number;
}

/** Recorded reads, newest first (by id: the order they were recorded in). */
export async function listConsultations(db: Queryable, filter: ConsultationFilter): Promise<Consultation[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const where = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.resource) where('resource = ?', filter.resource);
  if (filter.since) where('at >= ?', filter.since);
  if (filter.until) where('at < ?', filter.until);
  if (filter.beforeId) where('id < ?', filter.beforeId);
  params.push(filter.limit);
  const rows = await db.query<{ id: string; at: Date; api_key_id: string; api_key_name: string | null; resource: ConsultedResource; filter: Record<string, unknown> }>(
    `select id, at, api_key_id, api_key_name, resource, filter from log_consultations ${conditions.length ? `where ${conditions.join(' and ')}` : ''} order by id desc limit $${params.length}`,
    params,
  );
  return rows.map((row) => ({ id: Number(row.id), at: new Date(row.at).toISOString(), apiKeyId: row.api_key_id, apiKeyName: row.api_key_name, resource: row.resource, filter: row.filter }));
}
