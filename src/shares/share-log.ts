import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Database, Queryable } from '../store';
import type { ShareEntry, ShareEvent } from './events';

const genesisHash = '0'.repeat(64);

interface Row {
  seq: string;
  entry: ShareEntry;
  prev_hash: string;
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

export interface Verification {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  firstBadSeq: number | null;
}

function entryHash(seq: number, prevHash: string, entry: ShareEntry): string {
  return createHash('sha256').update(canonicalize({ seq, prevHash, entry })!).digest('hex');
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

/**
 * Walks the whole chain in pages. An edited entry breaks its own hash, a deleted one leaves a gap in seq,
 * a reordered one breaks the link to its predecessor: each names the first bad seq.
 */
export async function verifyShareLog(db: Database, pageSize = 1000): Promise<Verification> {
  let expectedSeq = 1;
  let prevHash = genesisHash;
  for (;;) {
    const rows = await db.query<Row>('select seq, entry, prev_hash, hash from share_log where seq >= $1 order by seq limit $2', [expectedSeq, pageSize]);
    for (const row of rows) {
      const seq = Number(row.seq);
      const intact = seq === expectedSeq && row.prev_hash === prevHash && row.hash === entryHash(seq, row.prev_hash, row.entry);
      if (!intact) return { ok: false, entries: await countEntries(db), head: null, firstBadSeq: expectedSeq };
      prevHash = row.hash;
      expectedSeq += 1;
    }
    if (rows.length < pageSize) break;
  }
  const entries = expectedSeq - 1;
  // Rows the walk cannot reach (seq below 1) show in the count; rows appended since the walk are not counted,
  // so verifying while others append never reads as tampering.
  if ((await countEntries(db, entries)) !== entries) return { ok: false, entries: await countEntries(db), head: null, firstBadSeq: expectedSeq };
  return { ok: true, entries, head: entries ? { seq: entries, hash: prevHash } : null, firstBadSeq: null };
}

async function countEntries(db: Queryable, upToSeq?: number): Promise<number> {
  const [row] = await db.query<{ count: string }>(
    upToSeq === undefined ? 'select count(*) as count from share_log' : 'select count(*) as count from share_log where seq <= $1',
    upToSeq === undefined ? [] : [upToSeq],
  );
  return Number(row.count);
}
