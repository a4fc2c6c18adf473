import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Queryable } from '../store';
import { signedBy, type Checkpoint } from './checkpoints';
import type { ShareEntry } from './events';

const genesisHash = '0'.repeat(64);
/** bigint's lowest value: the walk starts at whichever row comes first, so that a row below seq 1 is seen too. */
const lowestSeq = '-9223372036854775808';
const defaultPageSize = 10_000;

export interface Verification {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  /** The first entry found bad; null when the log is intact, or when the fault is the checkpoint's signature. */
  firstBadSeq: number | null;
  /** The signed head the log was held against; null when there is none yet. */
  checkpoint: { seq: number; signedAt: string } | null;
  /** What is wrong, for people; null when the log is intact. */
  problem: string | null;
}

/** A signed head and the public key (PEM) trusted to have signed it. */
export interface Anchor {
  checkpoint: Checkpoint;
  publicKey: string;
}

interface Row {
  seq: string;
  entry: ShareEntry;
  prev_hash: string;
  hash: string;
}

interface Fault {
  /** Null when no entry is known bad: the checkpoint itself is forged, or signed by another key. */
  seq: number | null;
  problem: string;
}

/** The chain's hash formula (docs/shares-log.md): the canonical JSON of {entry, prevHash, seq}, written out. */
function entryHash(seq: number, prevHash: string, entry: ShareEntry): string {
  return createHash('sha256').update(`{"entry":${canonicalize(entry)!},"prevHash":"${prevHash}","seq":${seq}}`).digest('hex');
}

/**
 * Verifies the whole log, recomputing every hash here rather than trusting the database's: the chain first (an
 * edited entry breaks its own hash, a deleted one leaves a gap, a reordered one breaks the link to its
 * predecessor), then the anchor, which must be signed by its trusted key and still match the row at its seq
 * (entries cut off the end, or a chain rewritten up to the end, do not). Read the anchor before calling: rows
 * appended while the walk runs are walked too, and a checkpoint signed meanwhile may cover rows it did not see.
 */
export async function verifyShareLog(db: Queryable, { anchor, pageSize = defaultPageSize }: { anchor?: Anchor; pageSize?: number } = {}): Promise<Verification> {
  const checkpoint = anchor ? { seq: anchor.checkpoint.seq, signedAt: anchor.checkpoint.signedAt } : null;
  const walk = await walkChain(db, pageSize, anchor?.checkpoint.seq);
  const fault = walk.fault ?? (anchor && anchorFault(anchor, walk.head, walk.hashAtAnchor));
  if (fault) return { ok: false, entries: await countEntries(db), head: null, firstBadSeq: fault.seq, checkpoint, problem: fault.problem };
  return { ok: true, entries: walk.head?.seq ?? 0, head: walk.head, firstBadSeq: null, checkpoint, problem: null };
}

/**
 * Walks the rows in seq order, in pages by keyset; the next page is read while this one is hashed, so the
 * database and the hashing work at once. Notes the hash at `anchorSeq` on the way.
 */
async function walkChain(db: Queryable, pageSize: number, anchorSeq?: number): Promise<{ head: Verification['head']; hashAtAnchor?: string; fault?: Fault }> {
  const page = (afterSeq: string) => db.query<Row>('select seq, entry, prev_hash, hash from share_log where seq > $1 order by seq limit $2', [afterSeq, pageSize]);
  let next = page(lowestSeq);
  let prevHash = genesisHash;
  let expectedSeq = 1;
  let hashAtAnchor: string | undefined;
  try {
    for (;;) {
      const rows = await next;
      if (rows.length === pageSize) next = page(String(rows.at(-1)!.seq));
      for (const row of rows) {
        const seq = Number(row.seq);
        const fault = rowFault(row, seq, expectedSeq, prevHash);
        if (fault) return { head: null, fault };
        if (seq === anchorSeq) hashAtAnchor = row.hash;
        prevHash = row.hash;
        expectedSeq += 1;
      }
      if (rows.length < pageSize) break;
    }
  } finally {
    // A page read ahead of a fault is left unread, but never unsettled.
    await next.catch(() => undefined);
  }
  return { head: expectedSeq > 1 ? { seq: expectedSeq - 1, hash: prevHash } : null, hashAtAnchor };
}

function rowFault(row: Row, seq: number, expectedSeq: number, prevHash: string): Fault | undefined {
  const at = (problem: string) => ({ seq: expectedSeq, problem });
  if (seq < expectedSeq) return at(`a row with seq ${seq} comes before entry 1`);
  if (seq > expectedSeq) return at(`entry ${expectedSeq} is missing: the log goes from ${expectedSeq - 1} to ${seq}`);
  if (row.prev_hash !== prevHash) return at(seq === 1 ? 'entry 1 does not start the chain: its prev_hash is not 64 zeros' : `entry ${seq} does not link to entry ${seq - 1}: its prev_hash is not that entry's hash`);
  if (row.hash !== entryHash(seq, prevHash, row.entry)) return at(`entry ${seq} does not match its hash: it was changed after it was written`);
  return undefined;
}

function anchorFault({ checkpoint, publicKey }: Anchor, head: Verification['head'], hashAtAnchor: string | undefined): Fault | null {
  const { seq, signedAt } = checkpoint;
  if (!signedBy(checkpoint, publicKey)) return { seq: null, problem: `the checkpoint at entry ${seq} is not signed by the trusted key` };
  const last = head?.seq ?? 0;
  if (seq > last) return { seq: last + 1, problem: `the log ends at entry ${last}, but the checkpoint signed at ${signedAt} covers entries up to ${seq}: entries ${last + 1} to ${seq} were removed` };
  if (hashAtAnchor !== checkpoint.hash) return { seq, problem: `entry ${seq} no longer has the hash the checkpoint signed at ${signedAt} holds: entries up to it were rewritten` };
  return null;
}

async function countEntries(db: Queryable): Promise<number> {
  const [row] = await db.query<{ count: string }>('select count(*) as count from share_log');
  return Number(row.count);
}
