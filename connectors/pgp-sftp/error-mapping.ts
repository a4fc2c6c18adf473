import {
  type ConnectorError,
  SupplierContractError,
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierUnavailableError,
  SupplierUntrustedTlsError,
  transportFailure,
} from '../../src/connector-kit';

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02 §7). */
export const SFTP_STATUS = { NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, BAD_MESSAGE: 5, OP_UNSUPPORTED: 8 } as const;

/** When the agency's server is busy it answers SSH_FX_FAILURE with this text; without a number of seconds, a minute. */
const BUSY = /^busy\b(?:.*\bretry after (\d{1,6}) s\b)?/i;
const BUSY_FALLBACK_MS = 60_000;

type SftpError = Error & { code?: unknown; level?: string };

export function isNoSuchFile(error: Error): boolean {
  return (error as SftpError).code === SFTP_STATUS.NO_SUCH_FILE;
}

/**
 * An SFTP request's failure as a connector-kit error. A status answer says what the server did (nothing), so
 * only a failure without one (the channel closed first) can leave the outcome unknown. The server's message
 * text can repeat a path or worse, so it never goes into the error: only the status number does.
 */
export function statusFailure(error: Error, mayHaveLanded: boolean): ConnectorError {
  const status = (error as SftpError).code;
  switch (status) {
    case SFTP_STATUS.NO_SUCH_FILE:
      return new SupplierRejectedError('no_such_directory', 'the SFTP server has no such directory: check `directory` in the config');
    case SFTP_STATUS.PERMISSION_DENIED:
      return new SupplierRejectedError('permission_denied', 'the SFTP server refused the write (permission denied)');
    case SFTP_STATUS.FAILURE: {
      const busy = BUSY.exec(error.message);
      if (busy) return new SupplierRateLimitedError('busy', 'the SFTP server is busy', busy[1] === undefined ? BUSY_FALLBACK_MS : Number(busy[1]) * 1000);
      return new SupplierUnavailableError('sftp_failure', 'the SFTP server failed the request (SSH_FX_FAILURE)');
    }
    case SFTP_STATUS.BAD_MESSAGE:
    case SFTP_STATUS.OP_UNSUPPORTED:
      return new SupplierContractError(`sftp_status_${status}`, `the SFTP server did not understand the request (status ${status})`);
    default:
      if (typeof status === 'number') return new SupplierUnavailableError(`sftp_status_${status}`, `the SFTP server failed the request (status ${status})`);
      return new SupplierUnavailableError('connection_lost', 'the SFTP channel closed before an answer', mayHaveLanded);
  }
}

/** A failure to connect, authenticate or open the session. Nothing was sent, so the outcome is never unknown. */
export function connectFailure(error: SftpError, hostKeyRefused: boolean): ConnectorError {
  if (hostKeyRefused) {
    return new SupplierUntrustedTlsError('unknown_host_key', 'the SFTP server presented a host key other than the pinned hostKeySha256');
  }
  if (error.level === 'client-authentication') {
    return new SupplierRejectedError('authentication_failed', 'the SFTP server refused the credentials');
  }
  if (error.level === 'client-timeout') {
    return new SupplierUnavailableError('timeout', 'the SFTP server did not complete the handshake in time');
  }
  return transportFailure(typeof error.code === 'string' ? error.code : undefined, 'the SFTP server', false);
}
