import canonicalize from 'canonicalize';
import type { Queryable } from '../store';
import type { ShareEntry, ShareEvent } from './events';

interface Row {
  seq: string;
  entry: ShareEntry;
  hash: string;
}

/** An entry as read back: the stored entry with its place in the chain. */
export type LoggedShare = ShareEntry & { seq: number; hash: string };

export interface ShareFilter {
  subjectHash?: string;
  supplier?: string;
  since?: Date;
  until?: Date;
  afterSeq?: number;
  limit: number;
}

/** A data-modifying SQL statement, with its parameters numbered from $1. */
export interface Change {
  sql: string;
  params: unknown[];
}

/**
 * Appends events in one statement (`sgw_append_shares`), atomic on its own or part of the caller's
 * transaction; with `change`, that statement makes the change too, so that a share and its log entry commit
 * together in one round trip. The database chains the entries under its lock; each goes as its canonical
 * JSON, which is what the hash covers.
 */
export async function appendShares(db: Queryable, events: ShareEvent[], { change, now = new Date() }: { change?: Change; now?: Date } = {}): Promise<void> {
  const entries = events.map((event) => canonicalize({ v: 1, at: now.toISOString(), ...event } satisfies ShareEntry)!);
  if (!change) return void (await db.query('select sgw_append_shares($1::text[])', [entries]));
  await db.query(`with change as (${change.sql}) select sgw_append_shares($${change.params.length + 1}::text[])`, [...change.params, entries]);
}

export async function listShares(db: Queryable, filter: ShareFilter): Promise<LoggedShare[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const where = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.subjectHash) where(`entry ->> 'subject' = ?`, filter.subjectHash);
  if (filter.supplier) where(`entry ->> 'supplier' = ?`, filter.supplier);
  if (filter.since) where(`(entry ->> 'at') >= ?`, filter.since.toISOString());
  if (filter.until) where(`(entry ->> 'at') < ?`, filter.until.toISOString());
  if (filter.afterSeq) where('seq > ?', filter.afterSeq);
  params.push(filter.limit);
  const rows = await db.query<Row>(
    `select seq, entry, hash from share_log ${conditions.length ? `where ${conditions.join(' and ')}` : ''} order by seq limit $${params.length}`,
    params,
  );
  return rows.map((row) => ({ seq: Number(row.seq), ...row.entry, hash: row.hash }));
}

/**
 * Every entry the filter matches, oldest first, read page by page (each page after the last seq of the one
 * before): however long the log, the caller holds one page at a time.
 */
export async function* eachShare(db: Queryable, filter: Omit<ShareFilter, 'afterSeq' | 'limit'>, pageSize = 1000): AsyncGenerator<LoggedShare> {
  let afterSeq: number | undefined;
  for (;;) {
    const page = await listShares(db, { ...filter, afterSeq, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    afterSeq = page.at(-1)!.seq;
  }
}
