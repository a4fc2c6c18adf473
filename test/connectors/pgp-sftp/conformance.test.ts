import { createHash } from 'node:crypto';
import { utils } from 'ssh2';
import { sha256Hex } from '../../../src/connector-kit';
import { type ConformanceFault, describeConnectorConformance } from '../conformance/suite';
import { pgpSftp } from '../../../connectors/pgp-sftp/connector';
import { sshKeyPair, startPgpSftpSandbox } from '../../../connectors/pgp-sftp/sandbox';
import { debtCollectPayload } from './support/payloads';
import { closedPort } from './support/ports';

const TIMEOUT_MS = 1000;
/** The intake's size limit here: a sample payload fits in it, one with 200 invoices does not. */
const MAX_FILE_BYTES = 8 * 1024;

/** The SHA-256 pin of a host key the sandbox does not have. */
function otherHostKeySha256(): string {
  const key = utils.parseKey(sshKeyPair().public);
  if (key instanceof Error) throw key;
  return createHash('sha256').update(key.getPublicSSH()).digest('base64');
}

describeConnectorConformance('pgp-sftp', {
  definition: pgpSftp,
  async start() {
    const sandbox = await startPgpSftpSandbox({ maxFileBytes: MAX_FILE_BYTES });
    const config = { ...sandbox.config, timeoutMs: TIMEOUT_MS };
    return {
      config,
      timeoutMs: TIMEOUT_MS,
      badCredentialsConfig: { ...config, password: 'not-the-sandbox-password' },
      unreachableConfig: { ...config, port: await closedPort() },
      // The same server, pinned to another host key: the connector must refuse it before sending anything.
      untrustedTlsConfig: { ...config, hostKeySha256: otherHostKeySha256() },
      samplePayload: () => debtCollectPayload(),
      // The agency's intake refuses files over its size limit for good (permission denied on the write).
      rejectedPayload: () => ({ payload: debtCollectPayload({ invoices: 200 }), code: 'permission_denied' }),
      inject: async (fault: ConformanceFault) => sandbox.faults.inject(fault),
      clearFaults: async () => sandbox.faults.clear(),
      subjectRecords: async () => sandbox.deliveryFiles(),
      // The agency gets an erasure request file and erases on its side; the delivered file stays until it does.
      erasureOfDelivered: 'sent' as const,
      // `sentDigest` is the SHA-256 of the uploaded file: the sandbox's bytes of it.
      digestOfDelivery: async (supplierReference: string) => sha256Hex(sandbox.file(supplierReference) ?? Buffer.alloc(0)),
      stop: () => sandbox.close(),
    };
  },
});
