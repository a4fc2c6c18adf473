// Interoperability: what the connector uploads is what an agency running GnuPG (Debian's gnupg) can open.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import canonicalize from 'canonicalize';
import { readKey } from 'openpgp';
import type { Connector } from '../../../src/connector-kit';
import { pgpSftp } from '../../../connectors/pgp-sftp/connector';
import { type PgpSftpSandbox, startPgpSftpSandbox } from '../../../connectors/pgp-sftp/sandbox';
import { debtCollectPayload } from './support/payloads';
import { deliveryContext, erasureContext } from './support/contexts';

const run = promisify(execFile);

describe('pgp-sftp files open with GnuPG', () => {
  let sandbox: PgpSftpSandbox;
  let connector: Connector;
  let gnupgHome: string;

  /** `gpg --batch --decrypt` of `bytes` with the agency's key: the plaintext and gpg's status lines. */
  async function gpgDecrypt(bytes: Buffer): Promise<{ plaintext: string; status: string[] }> {
    const [input, output, status] = ['in.json.pgp', 'out.json', 'status'].map((name) => path.join(gnupgHome, name));
    writeFileSync(input, bytes);
    await run('gpg', ['--homedir', gnupgHome, '--batch', '--yes', '--status-file', status, '--output', output, '--decrypt', input]);
    return { plaintext: readFileSync(output, 'utf8'), status: readFileSync(status, 'utf8').split('\n') };
  }

  beforeAll(async () => {
    sandbox = await startPgpSftpSandbox();
    connector = pgpSftp.create(sandbox.config);
    gnupgHome = mkdtempSync(path.join(os.tmpdir(), 'pgp-sftp-gnupg-'));
    // The agency's GnuPG holds its own secret key and the gateway's public key, nothing else.
    for (const file of [sandbox.keyFiles.supplierSecret, sandbox.keyFiles.gatewayPublic]) {
      await run('gpg', ['--homedir', gnupgHome, '--batch', '--import', file]);
    }
  });

  afterAll(async () => {
    await connector.close?.();
    await sandbox.close();
    await run('gpgconf', ['--homedir', gnupgHome, '--kill', 'all']).catch(() => undefined);
    rmSync(gnupgHome, { recursive: true, force: true });
  });

  it('gpg decrypts the delivered file to exactly the agreed document, with a good signature by the gateway key the share names', async () => {
    const payload = debtCollectPayload();
    const transferId = randomUUID();
    const result = await connector.deliver('debt.collect', payload, deliveryContext(transferId));

    const { plaintext, status } = await gpgDecrypt(sandbox.file(result.supplierReference)!);
    expect(JSON.parse(plaintext)).toEqual({ transferId, operation: 'debt.collect', data: payload });
    expect(plaintext).toBe(canonicalize(JSON.parse(plaintext)));

    const gatewayKey = await readKey({ armoredKey: readFileSync(sandbox.keyFiles.gatewayPublic, 'utf8') });
    const supplierKey = await readKey({ armoredKey: readFileSync(sandbox.keyFiles.recipient, 'utf8') });
    expect(result.encryption).toEqual({
      scheme: 'openpgp',
      recipientKeyFingerprint: supplierKey.getFingerprint(),
      signingKeyFingerprint: gatewayKey.getFingerprint(),
    });
    const signer = result.encryption!.signingKeyFingerprint.toUpperCase();
    expect(status).toContainEqual(expect.stringMatching(/^\[GNUPG:\] GOODSIG /));
    expect(status).toContainEqual(expect.stringMatching(new RegExp(`^\\[GNUPG:\\] VALIDSIG ${signer} `)));
    expect(status).toContainEqual('[GNUPG:] DECRYPTION_OKAY');
  });

  it('gpg decrypts the erasure request file: it names the transfer and its file, and is signed by the gateway', async () => {
    const transferId = randomUUID();
    const ctx = deliveryContext(transferId);
    const { supplierReference } = await connector.deliver('debt.collect', debtCollectPayload(), ctx);
    const erasureId = randomUUID();

    const [answer] = await connector.erase([{ transferId, operation: 'debt.collect', supplierReference, state: ctx.state }], erasureContext(erasureId));
    expect(answer.status).toBe('sent');

    const requestFile = `erasure-${erasureId}-${supplierReference}`;
    const { plaintext, status } = await gpgDecrypt(sandbox.file(requestFile)!);
    expect(JSON.parse(plaintext)).toEqual({ type: 'erasure_request', erasureId, transferId, operation: 'debt.collect', file: supplierReference });
    expect(status).toContainEqual(expect.stringMatching(/^\[GNUPG:\] GOODSIG /));
  });
});
