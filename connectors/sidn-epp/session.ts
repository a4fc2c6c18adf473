import { randomUUID } from 'node:crypto';
import type tls from 'node:tls';
import { type Logger, SupplierContractError, SupplierRejectedError, abortedError } from '../../src/connector-kit';
import { EppConnection } from './connection';
import { helloFrame, loginFrame, logoutFrame } from './commands';
import { EPP, closesSession, failureForResult, isSuccess } from './result-codes';
import { type XmlNode, child, parseEpp, textOf } from './xml';

export interface SessionOptions {
  tls: tls.ConnectionOptions;
  clientId: string;
  password: string;
  timeoutMs: number;
  keepAliveMs: number;
  rateLimitRetryAfterMs: number;
}

export interface EppCommand {
  /** Logged name, e.g. `contact:create`. */
  label: string;
  xml: string;
  /** The command changes state at SIDN (a create or delete). */
  transform: boolean;
  /** Error result codes the caller handles itself (2303 on an info, say); others become connector-kit errors. */
  accept?: number[];
  signal?: AbortSignal;
  log?: Logger;
}

export interface EppResponse {
  code: number;
  /** `<resData>`, when the response has one. */
  data: XmlNode | undefined;
  clTRID: string | undefined;
}

/**
 * One persistent, authenticated EPP session: connects and logs in on first use, runs one command at a time,
 * keeps the connection alive with `<hello>` when idle, and connects and logs in again when SIDN dropped it.
 */
export class EppSession {
  private connection: EppConnection | undefined;
  private turn: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SessionOptions) {}

  /** Logged in (connecting first if need be); throws the connector-kit error of a refused login or connection. */
  ready(signal?: AbortSignal): Promise<void> {
    return this.serialised(signal, async () => {
      await this.connected(signal);
    });
  }

  send(command: EppCommand): Promise<EppResponse> {
    return this.serialised(command.signal, async () => {
      const connection = await this.connected(command.signal);
      const started = Date.now();
      try {
        const response = readResponse(await connection.exchange(command.xml, { timeoutMs: this.options.timeoutMs, signal: command.signal, mayHaveLanded: command.transform }));
        command.log?.info('sidn command', { command: command.label, resultCode: response.code, durationMs: Date.now() - started });
        if (closesSession(response.code)) this.drop();
        if (isSuccess(response.code) || command.accept?.includes(response.code)) return response;
        throw failureForResult(response.code, command.label, this.options.rateLimitRetryAfterMs);
      } catch (error) {
        if (!(error instanceof SupplierContractError || error instanceof SupplierRejectedError)) this.drop();
        command.log?.warn('sidn command failed', { command: command.label, code: (error as { code?: string }).code, durationMs: Date.now() - started });
        throw error;
      }
    });
  }

  /** Logs out and closes the connection. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.serialised(undefined, async () => {
      this.connection?.end(logoutFrame(sessionTrid()));
      this.connection = undefined;
    });
  }

  /** Runs `work` after the commands before it; a caller whose signal aborts stops waiting at once. */
  private serialised<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const previous = this.turn;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    // The next command waits for the one before this as well: giving up the wait must not let two run at once.
    this.turn = previous.then(() => mine);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        reject(abortedError(false));
        previous.then(done);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void previous.then(async () => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return done();
        try {
          resolve(await work());
        } catch (error) {
          reject(error);
        } finally {
          this.armKeepAlive();
          done();
        }
      });
    });
  }

  private async connected(signal?: AbortSignal): Promise<EppConnection> {
    if (this.connection?.isOpen) return this.connection;
    const { timeoutMs } = this.options;
    const { connection } = await EppConnection.open(this.options.tls, { timeoutMs, signal });
    try {
      const answer = readResponse(
        await connection.exchange(loginFrame(this.options.clientId, this.options.password, sessionTrid()), { timeoutMs, signal, mayHaveLanded: false }),
      );
      if (answer.code === EPP.authenticationError || answer.code === EPP.authenticationErrorClosing) {
        throw new SupplierRejectedError('auth_failed', `SIDN refused the login (${answer.code})`);
      }
      if (!isSuccess(answer.code)) throw failureForResult(answer.code, 'login', this.options.rateLimitRetryAfterMs);
    } catch (error) {
      connection.end();
      throw error;
    }
    this.connection = connection;
    return connection;
  }

  private drop(): void {
    this.connection?.end();
    this.connection = undefined;
  }

  /** A `<hello>` after `keepAliveMs` without a command; a failed one only drops the connection, the next command reconnects. */
  private armKeepAlive(): void {
    clearTimeout(this.idleTimer);
    if (!this.connection) return;
    this.idleTimer = setTimeout(() => {
      void this.serialised(undefined, async () => {
        if (!this.connection?.isOpen) return;
        const greeting = parseEpp(await this.connection.exchange(helloFrame(), { timeoutMs: this.options.timeoutMs, mayHaveLanded: false }));
        if (child(greeting, 'greeting') === undefined) this.drop();
      }).catch(() => this.drop());
    }, this.options.keepAliveMs);
    this.idleTimer.unref();
  }
}

/** Login, logout and hello are the session's own; commands for a transfer carry its id. */
const sessionTrid = () => `sgw-session-${randomUUID()}`;

function readResponse(xml: string): EppResponse {
  let response: XmlNode | undefined;
  try {
    response = child(parseEpp(xml), 'response');
  } catch {
    response = undefined;
  }
  const code = Number(child(response, 'result')?.['@_code']);
  if (response === undefined || !Number.isInteger(code)) {
    throw new SupplierContractError('epp_unreadable_response', 'SIDN answered with a frame that is not an EPP response');
  }
  return { code, data: child(response, 'resData'), clTRID: textOf(child(response, 'trID'), 'clTRID') };
}
