import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import type winston from 'winston';
import { Problem, problems } from '../problem';
import type { Queryable } from '../store';

/**
 * A signed head of the shares log (docs/shares-log.md, "Checkpoints"), as `GET /v1/shares/checkpoint` answers
 * it: everything a verifier needs, to be kept outside the database.
 */
export interface Checkpoint {
  seq: number;
  hash: string;
  signedAt: string;
  /** Base64 of the Ed25519 signature over `checkpointMessage`. */
  signature: string;
  /** The signing key's public half, PEM (SPKI). */
  publicKey: string;
  algorithm: 'Ed25519';
}

/** A checkpoint as JSON Schema: the API documents its answers with it, `sgw shares verify` checks a kept file against it. */
export const checkpointSchema = {
  type: 'object',
  required: ['seq', 'hash', 'signedAt', 'signature', 'publicKey', 'algorithm'],
  properties: {
    seq: { type: 'integer', minimum: 1, description: 'The head: the last entry signed for.' },
    hash: { type: 'string', pattern: '^[0-9a-f]{64}$', description: "That entry's hash." },
    signedAt: { type: 'string', format: 'date-time' },
    signature: { type: 'string', description: 'Base64 Ed25519 signature over the RFC 8785 canonical JSON of {hash, seq, signedAt}.' },
    publicKey: { type: 'string', description: "The signing key's public half, PEM (SPKI)." },
    algorithm: { const: 'Ed25519' },
  },
} as const;

/** How often each process signs the head, when it moved: what a superuser could cut off unseen by the table's checkpoints. */
export const checkpointIntervalMs = 60_000;

/** What is signed: the RFC 8785 canonical JSON of `{hash, seq, signedAt}`, as UTF-8. */
export function checkpointMessage({ seq, hash, signedAt }: Pick<Checkpoint, 'seq' | 'hash' | 'signedAt'>): Buffer {
  return Buffer.from(canonicalize({ hash, seq, signedAt })!, 'utf8');
}

/** Whether `publicKey` (PEM) signed the checkpoint; a malformed key or signature is simply not a valid one. */
export function signedBy(checkpoint: Checkpoint, publicKey: string): boolean {
  try {
    return verify(null, checkpointMessage(checkpoint), createPublicKey(publicKey), Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

interface CheckpointRow {
  seq: string;
  hash: string;
  signed_at: Date;
  public_key: string;
  signature: string;
}

const checkpointColumns = 'seq, hash, signed_at, public_key, signature';

function fromRow(row: CheckpointRow): Checkpoint {
  return { seq: Number(row.seq), hash: row.hash, signedAt: row.signed_at.toISOString(), signature: row.signature, publicKey: row.public_key, algorithm: 'Ed25519' };
}

/** The checkpoint with the highest seq (the newest, when a head was signed under two keys), whoever signed it. */
export async function latestCheckpoint(db: Queryable): Promise<Checkpoint | null> {
  const [row] = await db.query<CheckpointRow>(`select ${checkpointColumns} from share_log_checkpoints order by seq desc, signed_at desc limit 1`);
  return row ? fromRow(row) : null;
}

// RFC 8410: a raw Ed25519 seed becomes PKCS #8 DER behind this fixed prefix.
const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Signs heads of the shares log with the Ed25519 key whose 32-byte seed is SGW_LOG_SIGNING_KEY. */
export class CheckpointSigner {
  readonly publicKey: string;
  private readonly privateKey: KeyObject;

  constructor(seed: Buffer) {
    this.privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, seed]), format: 'der', type: 'pkcs8' });
    this.publicKey = createPublicKey(this.privateKey).export({ format: 'pem', type: 'spki' }).toString();
  }

  /**
   * Signs the current head and answers its checkpoint; a head already signed under this key answers the
   * checkpoint made then. Null for an empty log. A head is signed only where the row at this key's last
   * checkpoint still holds the hash signed there, so that a log rewritten behind the gateway's back is never
   * signed as if it were intact (409).
   */
  async signHead(db: Queryable, now = new Date()): Promise<Checkpoint | null> {
    const [head] = await db.query<{ seq: string; hash: string; signed_seq: string | null; signed_hash: string | null; hash_now: string | null }>(
      `select h.seq, h.hash, c.seq as signed_seq, c.hash as signed_hash, s.hash as hash_now
       from (select seq, hash from share_log order by seq desc limit 1) h
       left join lateral (select seq, hash from share_log_checkpoints where public_key = $1 order by seq desc limit 1) c on true
       left join share_log s on s.seq = c.seq`,
      [this.publicKey],
    );
    if (!head) return null;
    if (head.signed_seq !== null && head.hash_now !== head.signed_hash) {
      throw problems.conflict('log-altered', 'Shares log altered', `The shares log no longer holds the entry ${head.signed_seq} that the last checkpoint signed; GET /v1/shares/verify says more.`);
    }
    if (Number(head.signed_seq) !== Number(head.seq)) {
      const signed = { seq: Number(head.seq), hash: head.hash, signedAt: now.toISOString() };
      const signature = sign(null, checkpointMessage(signed), this.privateKey).toString('base64');
      // Another process may sign the same head at the same moment: the first row stays, and is the answer.
      await db.query('insert into share_log_checkpoints (seq, hash, signed_at, public_key, signature) values ($1, $2, $3, $4, $5) on conflict do nothing', [
        signed.seq,
        signed.hash,
        signed.signedAt,
        this.publicKey,
        signature,
      ]);
    }
    const [row] = await db.query<CheckpointRow>(`select ${checkpointColumns} from share_log_checkpoints where seq = $1 and public_key = $2`, [head.seq, this.publicKey]);
    return fromRow(row);
  }
}

/**
 * Signs the head at start and then every `intervalMs` (when it moved). Every process runs one: checkpoints of
 * the same head are one row, so several processes cost a read a minute each and never conflict.
 */
export function startCheckpointWriter(db: Queryable, signer: CheckpointSigner, log: winston.Logger, intervalMs = checkpointIntervalMs): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = signer.signHead(db).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof Problem) log.error('the shares log was altered since its last checkpoint: no new checkpoint is signed; GET /v1/shares/verify says where');
        else log.warn('could not sign the head of the shares log; trying again at the next interval', { error });
      },
    );
  };
  tick();
  const timer = setInterval(tick, intervalMs).unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
