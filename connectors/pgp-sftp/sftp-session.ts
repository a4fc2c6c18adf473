import { createHash, timingSafeEqual } from 'node:crypto';
import { Client, type SFTPWrapper } from 'ssh2';
import { SupplierUnavailableError, abortedError, unlessAborted } from '../../src/connector-kit';
import { connectFailure, isNoSuchFile, statusFailure } from './error-mapping';

export interface SftpTarget {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: Buffer;
  /** Base64 SHA-256 of the server's host key, as `ssh-keygen -lf` prints it (`SHA256:` and padding optional). */
  hostKeySha256: string;
  timeoutMs: number;
}

interface Connection {
  client: Client;
  sftp: SFTPWrapper;
}

/** One SFTP request: `run` sends it; `absent` is the answer when the server says there is no such file. */
interface SftpCall<T> {
  run(sftp: SFTPWrapper, done: (error: Error | null | undefined, value?: T) => void): void;
  /** The request can make a file delivered (the rename): a connection lost after sending it leaves the outcome unknown. */
  mayHaveLanded?: boolean;
  absent?: T;
}

/**
 * One SSH connection per connector, opened on first use and again after it drops, with the server's host
 * key pinned (any other key is refused before authenticating). Every request is bounded by `timeoutMs`
 * and by the caller's signal: either ends the connection, since the server may still act on what it got.
 */
export class SftpSession {
  private connection: Promise<Connection> | undefined;
  private readonly pinnedHostKey: Buffer;

  constructor(private readonly target: SftpTarget) {
    this.pinnedHostKey = Buffer.from(target.hostKeySha256.replace(/^SHA256:/, '').replace(/=+$/, ''), 'base64');
  }

  async check(signal?: AbortSignal): Promise<void> {
    await this.connected(signal);
  }

  async exists(path: string, signal?: AbortSignal): Promise<boolean> {
    return this.request<boolean>({ run: (sftp, done) => sftp.stat(path, (error) => done(error, true)), absent: false }, signal);
  }

  /** Removes `path`; `absent` when there was nothing to remove. */
  async remove(path: string, signal?: AbortSignal): Promise<'removed' | 'absent'> {
    return this.request<'removed' | 'absent'>({ run: (sftp, done) => sftp.unlink(path, (error) => done(error, 'removed')), absent: 'absent' }, signal);
  }

  /**
   * Writes `bytes` to `temporaryPath` (created, or a leftover of a crashed attempt truncated), then renames
   * it to `finalPath`: the final name appears only complete. Nothing is renamed once `signal` has fired.
   */
  async upload(temporaryPath: string, finalPath: string, bytes: Buffer, signal?: AbortSignal): Promise<void> {
    const handle = await this.request<Buffer>({ run: (sftp, done) => sftp.open(temporaryPath, 'w', done) }, signal);
    await this.request<void>({ run: (sftp, done) => sftp.write(handle, bytes, 0, bytes.length, 0, done) }, signal);
    await this.request<void>({ run: (sftp, done) => sftp.close(handle, done) }, signal);
    await this.request<void>({ run: (sftp, done) => sftp.rename(temporaryPath, finalPath, done), mayHaveLanded: true }, signal);
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    (await connection?.catch(() => undefined))?.client.end();
  }

  private async request<T>(call: SftpCall<T>, signal: AbortSignal | undefined): Promise<T> {
    // Refused at once when the signal has fired, even on an open connection: nothing is sent after an abort.
    const { client, sftp } = await this.connected(signal);
    const mayHaveLanded = call.mayHaveLanded === true;
    return new Promise<T>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        client.removeListener('close', onLost);
        outcome();
      };
      // The server may still act on what it received: ending the connection is the only way to stop it.
      const giveUp = (error: Error) => settle(() => {
        client.destroy();
        reject(error);
      });
      const onAbort = () => giveUp(abortedError(mayHaveLanded));
      const onLost = () => settle(() => reject(new SupplierUnavailableError('connection_lost', 'the SFTP connection closed before an answer', mayHaveLanded)));
      const timer = setTimeout(() => giveUp(new SupplierUnavailableError('timeout', 'the SFTP server did not answer in time', mayHaveLanded)), this.target.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      client.once('close', onLost);
      try {
        call.run(sftp, (error, value) =>
          settle(() => {
            if (!error) resolve(value as T);
            else if (isNoSuchFile(error) && 'absent' in call) resolve(call.absent as T);
            else reject(statusFailure(error, mayHaveLanded));
          }),
        );
      } catch {
        // ssh2 throws synchronously when the channel has just closed.
        onLost();
      }
    });
  }

  /** The open connection, or a new one; the caller stops waiting when its signal fires. */
  private connected(signal?: AbortSignal): Promise<Connection> {
    if (!this.connection) {
      const forget = () => {
        if (this.connection === connecting) this.connection = undefined;
      };
      const connecting: Promise<Connection> = this.connect(forget);
      connecting.catch(forget);
      this.connection = connecting;
    }
    return unlessAborted(this.connection, signal);
  }

  private connect(onClosed: () => void): Promise<Connection> {
    const client = new Client();
    let hostKeyRefused = false;
    return new Promise<Connection>((resolve, reject) => {
      // After `ready`, a failure also closes the connection: `close` then fails what is waiting.
      client.on('error', (error) => reject(connectFailure(error, hostKeyRefused)));
      client.once('close', () => {
        onClosed();
        reject(new SupplierUnavailableError('connection_lost', 'the SFTP connection closed while connecting'));
      });
      client.once('ready', () =>
        client.sftp((error, sftp) => {
          if (error) {
            client.end();
            reject(new SupplierUnavailableError('sftp_refused', 'the server did not open the SFTP subsystem'));
          } else resolve({ client, sftp });
        }),
      );
      client.connect({
        host: this.target.host,
        port: this.target.port,
        username: this.target.username,
        password: this.target.password,
        privateKey: this.target.privateKey,
        readyTimeout: this.target.timeoutMs,
        hostVerifier: (hostKey: Buffer) => {
          hostKeyRefused = !this.isPinned(hostKey);
          return !hostKeyRefused;
        },
      });
    });
  }

  private isPinned(hostKey: Buffer): boolean {
    const digest = createHash('sha256').update(hostKey).digest();
    return digest.length === this.pinnedHostKey.length && timingSafeEqual(digest, this.pinnedHostKey);
  }
}
