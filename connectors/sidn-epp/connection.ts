import tls from 'node:tls';
import { type ConnectorError, SupplierContractError, SupplierUnavailableError, abortedError, transportFailure } from '../../src/connector-kit';
import { FrameDecoder, FrameTooLargeError, encodeFrame } from './framing';

export interface Exchange {
  timeoutMs: number;
  signal?: AbortSignal;
  /** The frame may change state at SIDN: losing its answer leaves the outcome unknown. */
  mayHaveLanded: boolean;
}

/**
 * One TLS connection speaking EPP frames, one exchange at a time (EPP is request/response). Any failure of an
 * exchange destroys it: an answer that arrives late would otherwise be taken for the next command's.
 */
export class EppConnection {
  private readonly decoder = new FrameDecoder();
  private waiter: { resolve(xml: string): void; reject(error: ConnectorError): void } | undefined;
  private lastSystemCode: string | undefined;
  private mayHaveLanded = false;
  private closed = false;

  private constructor(private readonly socket: tls.TLSSocket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.lastSystemCode ??= error.code;
    });
    socket.on('close', () => {
      this.closed = true;
      this.fail(transportFailure(this.lastSystemCode ?? 'ECONNRESET', 'SIDN', this.mayHaveLanded));
    });
  }

  /** Connects and returns the connection with the server's greeting. */
  static async open(options: tls.ConnectionOptions, { timeoutMs, signal }: Omit<Exchange, 'mayHaveLanded'>): Promise<{ connection: EppConnection; greeting: string }> {
    if (signal?.aborted) throw abortedError(false);
    const connection = new EppConnection(tls.connect(options));
    const greeting = await connection.next({ timeoutMs, signal, mayHaveLanded: false });
    return { connection, greeting };
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /** Sends one frame and waits for the answer. */
  exchange(xml: string, exchange: Exchange): Promise<string> {
    if (exchange.signal?.aborted) return Promise.reject(abortedError(false));
    if (!this.isOpen) return Promise.reject(transportFailure('ECONNRESET', 'SIDN', false));
    const answer = this.next(exchange);
    this.socket.write(encodeFrame(xml));
    return answer;
  }

  /** Ends the connection after `lastXml` (a logout) is written, or at once. */
  end(lastXml?: string): void {
    if (lastXml !== undefined && this.isOpen) this.socket.end(encodeFrame(lastXml));
    else this.socket.destroy();
  }

  private next({ timeoutMs, signal, mayHaveLanded }: Exchange): Promise<string> {
    this.mayHaveLanded = mayHaveLanded;
    return new Promise<string>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
      };
      const onAbort = () => this.fail(abortedError(mayHaveLanded));
      const timer = setTimeout(
        () => this.fail(new SupplierUnavailableError('timeout', `SIDN did not answer within ${timeoutMs} ms`, mayHaveLanded)),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = {
        resolve: (xml) => {
          settle();
          resolve(xml);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
    });
  }

  private onData(chunk: Buffer): void {
    let frames: string[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameTooLargeError)) throw error;
      return this.fail(new SupplierContractError('epp_frame_too_large', `SIDN sent a frame of ${error.length} bytes`));
    }
    // An answer nobody waits for (a late one) cannot be matched to a command: the connection is useless.
    for (const frame of frames) {
      if (this.waiter) this.waiter.resolve(frame);
      else this.socket.destroy();
    }
  }

  private fail(error: ConnectorError): void {
    this.socket.destroy();
    this.waiter?.reject(error);
  }
}
