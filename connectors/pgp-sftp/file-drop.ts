import canonicalize from 'canonicalize';
import type { DeliveryContext, DeliveryResult, ErasureContext, Logger, RecordErasure, SubjectRecord } from '../../src/connector-kit';
import { SupplierContractError, sha256Hex, unlessAborted } from '../../src/connector-kit';
import type { OpenPgpSealer } from './openpgp-sealer';
import type { SftpSession } from './sftp-session';

/** Where and how files go to the supplier: the SFTP session, the directory and the OpenPGP keys. */
export interface FileDrop {
  session: SftpSession;
  sealer: OpenPgpSealer;
  /** Absolute directory on the server, without a trailing slash. */
  directory: string;
}

/** The name a transfer's file gets at the supplier: derived from the transfer id alone, so every attempt finds it. */
export function deliveryFileName(transferId: string): string {
  return `${fileSafe(transferId)}.json.pgp`;
}

export function erasureRequestFileName(erasureId: string, transferId: string): string {
  return `erasure-${fileSafe(erasureId)}-${deliveryFileName(transferId)}`;
}

/** The name a file is written under before the rename makes it visible under its own. */
export function temporaryFileName(name: string): string {
  return `.${name}.part`;
}

/** The bytes of a JSON document: canonical (RFC 8785), so the same document always gives the same bytes. */
export function canonicalJson(document: object): Buffer {
  return Buffer.from(canonicalize(document)!, 'utf8');
}

/** Seals the document and uploads it as `<transfer id>.json.pgp`; `sentDigest` is the SHA-256 of the uploaded file. */
export async function deliverFile(drop: FileDrop, document: Buffer, ctx: DeliveryContext): Promise<DeliveryResult> {
  const name = deliveryFileName(ctx.transferId);
  // Sealing can take a while (the first one unlocks the signing key): an abort meanwhile stops the delivery at once.
  const sealed = await unlessAborted(drop.sealer.seal(document), ctx.signal);
  // Connected first, so a refused login or an unknown host key leaves nothing recorded (and nothing to discard).
  await drop.session.check(ctx.signal);
  if (ctx.state.file !== name) await ctx.recordState({ ...ctx.state, file: name });
  await uploadSealed(drop, name, sealed.bytes, 'delivery', ctx);
  return { supplierReference: name, sentDigest: sha256Hex(sealed.bytes), encryption: sealed.encryption };
}

/** The transfer's file under its final name: renamed there only once complete, so present means delivered. */
export async function lookupFile(drop: FileDrop, ctx: DeliveryContext): Promise<{ supplierReference: string } | null> {
  const name = deliveryFileName(ctx.transferId);
  return (await drop.session.exists(pathIn(drop, name), ctx.signal)) ? { supplierReference: name } : null;
}

/**
 * Removes what an unfinished upload of the transfer left; a file under its final name is delivered and stays.
 * A transfer that never recorded an upload sent nothing: there is nothing to ask the server.
 */
export async function discardFile(drop: FileDrop, ctx: DeliveryContext): Promise<void> {
  if (ctx.state.file === undefined) return;
  await drop.session.remove(pathIn(drop, temporaryFileName(ctx.state.file)), ctx.signal);
}

/**
 * A delivered file is the agency's to erase: it gets a sealed erasure request naming the transfer and the
 * file (no personal value), `erasure-<erasure id>-<transfer id>.json.pgp`, the same name on every retry.
 * An unfinished upload is ours to remove. Only a transfer whose state names its file started an upload.
 */
export async function eraseFile(drop: FileDrop, record: SubjectRecord, ctx: ErasureContext): Promise<RecordErasure> {
  const name = record.state.file;
  if (name === undefined) return { transferId: record.transferId, status: 'not_found', reason: 'No upload of this transfer was ever started: nothing of it reached the agency.' };
  if (await drop.session.exists(pathIn(drop, name), ctx.signal)) {
    const request = canonicalJson({ type: 'erasure_request', erasureId: ctx.erasureId, transferId: record.transferId, operation: record.operation, file: name });
    const sealed = await drop.sealer.seal(request);
    await uploadSealed(drop, erasureRequestFileName(ctx.erasureId, record.transferId), sealed.bytes, 'erasure_request', ctx);
    return { transferId: record.transferId, status: 'sent', reason: 'The agency was sent a signed, encrypted erasure request for the file this transfer delivered; it erases the file on its side and confirms to us directly.' };
  }
  if ((await drop.session.remove(pathIn(drop, temporaryFileName(name)), ctx.signal)) === 'removed') {
    return { transferId: record.transferId, status: 'completed', reason: 'The unfinished upload of this transfer was removed from the agency.' };
  }
  return { transferId: record.transferId, status: 'not_found', reason: 'No file of this transfer is at the agency any more.' };
}

async function uploadSealed(
  drop: FileDrop,
  name: string,
  bytes: Buffer,
  kind: 'delivery' | 'erasure_request',
  ctx: { signal: AbortSignal; log: Logger },
): Promise<void> {
  const started = Date.now();
  await drop.session.upload(pathIn(drop, temporaryFileName(name)), pathIn(drop, name), bytes, ctx.signal);
  ctx.log.info('pgp-sftp file uploaded', { kind, bytes: bytes.length, durationMs: Date.now() - started });
}

/** Gateway ids (UUIDs) go into file names: anything that could leave the directory is refused. */
function fileSafe(id: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new SupplierContractError('unsafe_id', 'an id cannot be used in a file name');
  return id;
}

function pathIn(drop: FileDrop, name: string): string {
  return `${drop.directory}/${name}`;
}
