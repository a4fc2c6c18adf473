import type { Connection, SFTPWrapper } from 'ssh2';
import { utils } from 'ssh2';
import type { FaultQueue } from '../sandbox-faults';
import type { SandboxFault } from './sandbox-faults';

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

/** One request the sandbox received, for tests that watch the order of things (temporary name, then rename). */
export interface SftpRequest {
  type: 'OPEN' | 'WRITE' | 'CLOSE' | 'STAT' | 'REMOVE' | 'RENAME';
  /** The file name (within the directory) the request is about; for RENAME, the new name. */
  name: string;
}

/** The agency's intake directory: one flat directory of files, held in memory. */
export interface IntakeDirectory {
  path: string;
  files: Map<string, Buffer>;
  /** A write past this many bytes is refused: SSH_FX_PERMISSION_DENIED, the intake's size limit. */
  maxFileBytes: number;
  faults: FaultQueue<SandboxFault>;
  requests: SftpRequest[];
}

/** Erasure requests (under their final or temporary names) carry no subject's data: faults skip them. */
export function isDeliveryFile(name: string): boolean {
  return !name.replace(/^\./, '').startsWith('erasure-');
}

/**
 * Answers the SFTP requests the connector sends (OPEN for writing, WRITE, CLOSE, STAT, REMOVE, RENAME) on
 * the intake directory; anything else is SSH_FX_OP_UNSUPPORTED (ssh2's answer to an unhandled request).
 */
export function serveIntake(sftp: SFTPWrapper, connection: Connection, intake: IntakeDirectory): void {
  const handles = new Map<string, string>();
  let nextHandle = 0;
  const nameIn = (path: string): string | undefined => {
    const prefix = `${intake.path}/`;
    const name = path.startsWith(prefix) ? path.slice(prefix.length) : '';
    return name !== '' && !name.includes('/') ? name : undefined;
  };

  /**
   * Runs `act` under the fault the request meets, if it carries data: `act` does what was asked and returns
   * the answer to send, so a fault can act without answering, or answer late.
   */
  const handleRequest = (reqId: number, request: SftpRequest, act: () => () => void) => {
    intake.requests.push(request);
    const fault = isDeliveryFile(request.name) ? intake.faults.take() : undefined;
    if (fault?.kind === 'rate_limit') return sftp.status(reqId, STATUS_CODE.FAILURE, `busy, retry after ${fault.retryAfterSeconds} s`);
    if (fault?.kind === 'server_error') return sftp.status(reqId, STATUS_CODE.FAILURE, 'internal failure');
    const reply = act();
    if (fault?.kind === 'drop_response') return connection.end();
    if (fault?.kind === 'delay') return setTimeout(() => replyIfOpen(reply), fault.delayMs);
    reply();
  };

  sftp.on('OPEN', (reqId, path, flags) => {
    const name = nameIn(path);
    if (name === undefined) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE);
    // An intake is write-only: nobody reads back what the agency received.
    if (!(flags & OPEN_MODE.WRITE) || flags & OPEN_MODE.READ) return sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED);
    handleRequest(reqId, { type: 'OPEN', name }, () => {
      if (flags & OPEN_MODE.TRUNC || !intake.files.has(name)) intake.files.set(name, Buffer.alloc(0));
      const handle = String(nextHandle++);
      handles.set(handle, name);
      return () => sftp.handle(reqId, Buffer.from(handle));
    });
  });

  sftp.on('WRITE', (reqId, handle, offset, data) => {
    const name = handles.get(handle.toString());
    if (name === undefined) return sftp.status(reqId, STATUS_CODE.FAILURE);
    handleRequest(reqId, { type: 'WRITE', name }, () => {
      const end = offset + data.length;
      if (end > intake.maxFileBytes) return () => sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED, 'file exceeds the intake size limit');
      const current = intake.files.get(name) ?? Buffer.alloc(0);
      const grown = Buffer.concat([current, Buffer.alloc(Math.max(0, end - current.length))]);
      data.copy(grown, offset);
      intake.files.set(name, grown);
      return () => sftp.status(reqId, STATUS_CODE.OK);
    });
  });

  sftp.on('CLOSE', (reqId, handle) => {
    const name = handles.get(handle.toString());
    if (name === undefined) return sftp.status(reqId, STATUS_CODE.FAILURE);
    handleRequest(reqId, { type: 'CLOSE', name }, () => {
      handles.delete(handle.toString());
      return () => sftp.status(reqId, STATUS_CODE.OK);
    });
  });

  sftp.on('STAT', (reqId, path) => {
    const name = nameIn(path);
    intake.requests.push({ type: 'STAT', name: name ?? '' });
    const file = name === undefined ? undefined : intake.files.get(name);
    if (!file) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE);
    sftp.attrs(reqId, { mode: 0o100640, uid: 0, gid: 0, size: file.length, atime: 0, mtime: 0 });
  });

  sftp.on('REMOVE', (reqId, path) => {
    const name = nameIn(path);
    intake.requests.push({ type: 'REMOVE', name: name ?? '' });
    if (name === undefined || !intake.files.delete(name)) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE);
    sftp.status(reqId, STATUS_CODE.OK);
  });

  // SFTP v3 RENAME, as OpenSSH serves it: refused when the new name exists.
  sftp.on('RENAME', (reqId, oldPath, newPath) => {
    const [from, to] = [nameIn(oldPath), nameIn(newPath)];
    const file = from === undefined ? undefined : intake.files.get(from);
    if (from === undefined || to === undefined || !file) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE);
    handleRequest(reqId, { type: 'RENAME', name: to }, () => {
      if (intake.files.has(to)) return () => sftp.status(reqId, STATUS_CODE.FAILURE);
      intake.files.delete(from);
      intake.files.set(to, file);
      return () => sftp.status(reqId, STATUS_CODE.OK);
    });
  });
}

/** A delayed answer to a client that has gone meanwhile goes nowhere. */
function replyIfOpen(reply: () => void): void {
  try {
    reply();
  } catch {
    // the channel closed while the answer waited
  }
}
