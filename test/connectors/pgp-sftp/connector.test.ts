import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKey } from 'openpgp';
import { utils } from 'ssh2';
import { loadAgreements, schemasDir } from '../../../src/agreements/agreements';
import { minimise } from '../../../src/agreements/payload-validator';
import { parseSuppliers } from '../../../src/config/suppliers';
import { getConnectorDefinition } from '../../../connectors';
import example from '../../../config/suppliers.example.json';
import { type Connector, SupplierContractError, SupplierRejectedError, SupplierUntrustedTlsError } from '../../../src/connector-kit';
import { type PgpSftpConfig, pgpSftp } from '../../../connectors/pgp-sftp/connector';
import { type PgpSftpSandbox, sshKeyPair, startPgpSftpSandbox } from '../../../connectors/pgp-sftp/sandbox';
import { debtCollectPayload } from './support/payloads';
import { deliveryContext } from './support/contexts';

const debtCollect = loadAgreements(schemasDir).get('debt-collector')!.operations.get('debt.collect')!;

describe('pgp-sftp config', () => {
  const env = { DEBT_COLLECTOR_SFTP_PASSWORD: 'secret', GATEWAY_SIGNING_KEY_PASSPHRASE: 'secret' };
  const entry = example.suppliers['debt-collector'];
  const parse = (config: Record<string, unknown>) => parseSuppliers({ suppliers: { 'debt-collector': { ...entry, config } } }, getConnectorDefinition, env, 'test');

  it("the example entry passes the gateway's strict config check", () => {
    expect(parse(entry.config)).toMatchObject([{ id: 'debt-collector', connector: 'pgp-sftp', config: { password: 'secret', port: 22 } }]);
  });

  it('wants exactly one of password and privateKeyFile', () => {
    const { password: _password, ...withoutPassword } = entry.config;
    expect(parse({ ...withoutPassword, privateKeyFile: '/keys/id_ed25519' })).toHaveLength(1);
    expect(() => parse(withoutPassword)).toThrow(/is invalid/);
    expect(() => parse({ ...entry.config, privateKeyFile: '/keys/id_ed25519' })).toThrow(/is invalid/);
  });
});

describe('pgp-sftp connector against its sandbox', () => {
  let sandbox: PgpSftpSandbox;
  let keyDir: string;
  const opened: Connector[] = [];
  const open = (config: PgpSftpConfig = sandbox.config) => {
    const connector = pgpSftp.create(config);
    opened.push(connector);
    return connector;
  };
  const keyFile = (name: string, contents: string) => {
    const file = path.join(keyDir, name);
    writeFileSync(file, contents);
    return file;
  };

  beforeAll(async () => {
    sandbox = await startPgpSftpSandbox();
    keyDir = mkdtempSync(path.join(os.tmpdir(), 'pgp-sftp-test-'));
  });

  afterAll(async () => {
    await Promise.all(opened.map((connector) => connector.close?.()));
    await sandbox.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('the agency receives, signed, exactly the payload the gateway minimised against the agreed schema, with the transfer id', async () => {
    const request = { ...debtCollectPayload(), note: 'not agreed' };
    request.debtor = { ...request.debtor, dateOfBirth: '1970-01-01' } as typeof request.debtor;
    const minimised = minimise(debtCollect.validate, request, '/data');
    expect(minimised).toMatchObject({ errors: [], withheld: ['/data/debtor/dateOfBirth', '/data/note'] });
    const transferId = randomUUID();

    const { supplierReference } = await open().deliver('debt.collect', minimised.payload, deliveryContext(transferId));

    const received = (await sandbox.received()).find((file) => file.name === supplierReference);
    expect(received?.document).toEqual({ transferId, operation: 'debt.collect', data: minimised.payload });
    expect(JSON.stringify(received?.document)).not.toContain('1970-01-01');
  });

  it('the agreed schema takes an IBAN only with its country\'s length and valid check digits', () => {
    const withIban = (iban: string) => {
      const payload = debtCollectPayload();
      return minimise(debtCollect.validate, { ...payload, debtor: { ...payload.debtor, iban } }, '/data').errors.map((error) => error.pointer);
    };
    for (const valid of ['NL91ABNA0417164300', 'DE89370400440532013000', 'BE68539007547034']) expect(withIban(valid)).toEqual([]);
    // A check-digit typo, a digit too few for NL, an unknown country, spaces, lower case, absurd length.
    for (const invalid of ['NL92ABNA0417164300', 'NL91ABNA041716430', 'XX91ABNA0417164300', 'NL91 ABNA 0417 1643 00', 'nl91abna0417164300', `NL91${'1'.repeat(300)}`]) {
      expect(withIban(invalid)).toEqual(['/data/debtor/iban']);
    }
  });

  it('the agreed schema takes an amount due above zero, with at most two decimals', () => {
    const withAmount = (amount: string) => {
      const payload = debtCollectPayload();
      const invoices = [{ ...payload.invoices[0], amount }];
      return minimise(debtCollect.validate, { ...payload, invoices }, '/data').errors.map((error) => error.pointer);
    };
    for (const valid of ['0.01', '0.5', '1', '125.50', '999999999999.99']) expect(withAmount(valid)).toEqual([]);
    for (const invalid of ['0', '0.0', '0.00', '-1', '1.005', '01', '1e3', '1,50', '']) expect(withAmount(invalid)).toEqual(['/data/invoices/0/amount']);
  });

  it('the test payloads are ones the agreed schema accepts unchanged', () => {
    for (const payload of [debtCollectPayload(), debtCollectPayload({ invoices: 200 })]) {
      expect(minimise(debtCollect.validate, payload, '/data')).toEqual({ payload, withheld: [], errors: [] });
    }
  });

  it('writes under a temporary name and renames: the final name never appears incomplete', async () => {
    const transferId = randomUUID();
    const before = sandbox.requests().length;
    const { supplierReference } = await open().deliver('debt.collect', debtCollectPayload(), deliveryContext(transferId));

    expect(supplierReference).toBe(`${transferId}.json.pgp`);
    const requests = sandbox.requests().slice(before).filter((request) => request.type !== 'STAT');
    const temporary = `.${supplierReference}.part`;
    expect(requests).toEqual([
      { type: 'OPEN', name: temporary },
      { type: 'WRITE', name: temporary },
      { type: 'CLOSE', name: temporary },
      { type: 'RENAME', name: supplierReference },
    ]);
    expect(sandbox.files()).not.toContain(temporary);
  });

  it('a host key other than the pinned one is refused before anything is sent; nothing is recorded', async () => {
    const other = utils.parseKey(sshKeyPair().public);
    if (other instanceof Error) throw other;
    const connector = open({ ...sandbox.config, hostKeySha256: createHash('sha256').update(other.getPublicSSH()).digest('base64') });
    const before = sandbox.requests().length;
    const ctx = deliveryContext(randomUUID());

    await expect(connector.deliver('debt.collect', debtCollectPayload(), ctx)).rejects.toMatchObject({ constructor: SupplierUntrustedTlsError, code: 'unknown_host_key' });
    expect(sandbox.requests()).toHaveLength(before);
    expect(ctx.state).toEqual({});
  });

  it('accepts the pin as ssh-keygen prints it, with SHA256: and padding', async () => {
    await expect(open({ ...sandbox.config, hostKeySha256: `SHA256:${sandbox.hostKeySha256}=` }).check()).resolves.toBeUndefined();
  });

  it('authenticates with a private key file; a key the server does not know is authentication_failed', async () => {
    const { password: _password, ...withoutPassword } = sandbox.config;
    await expect(open({ ...withoutPassword, privateKeyFile: sandbox.keyFiles.clientPrivateKey }).check()).resolves.toBeUndefined();

    const unknownKey = keyFile('unknown-ssh.key', sshKeyPair().private);
    await expect(open({ ...withoutPassword, privateKeyFile: unknownKey }).check()).rejects.toMatchObject({
      constructor: SupplierRejectedError,
      code: 'authentication_failed',
    });
  });

  it('a wrong password is authentication_failed, permanent', async () => {
    await expect(open({ ...sandbox.config, password: 'wrong' }).check()).rejects.toMatchObject({ constructor: SupplierRejectedError, code: 'authentication_failed', retryable: false });
  });

  it('a signing key that does not unlock is signing_key_locked from check() and deliver, and nothing is uploaded', async () => {
    const connector = open({ ...sandbox.config, signingKeyPassphrase: 'not-the-passphrase' });
    const before = sandbox.requests().length;
    await expect(connector.check()).rejects.toMatchObject({ constructor: SupplierContractError, code: 'signing_key_locked' });
    await expect(connector.deliver('debt.collect', debtCollectPayload(), deliveryContext(randomUUID()))).rejects.toMatchObject({ code: 'signing_key_locked' });
    expect(sandbox.requests()).toHaveLength(before);
  });

  it('an expired supplier key is recipient_key_unusable; a file that is no key is recipient_key_unreadable', async () => {
    const expired = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'expired' }], date: new Date(Date.now() - 60_000), keyExpirationTime: 1 });
    await expect(open({ ...sandbox.config, recipientKeyFile: keyFile('expired.asc', expired.publicKey) }).check()).rejects.toMatchObject({
      constructor: SupplierContractError,
      code: 'recipient_key_unusable',
    });
    await expect(open({ ...sandbox.config, recipientKeyFile: keyFile('garbage.asc', 'not a key') }).check()).rejects.toMatchObject({ code: 'recipient_key_unreadable' });
  });

  it('a key file that cannot be read stops create() with the setting named', () => {
    expect(() => pgpSftp.create({ ...sandbox.config, signingKeyFile: path.join(keyDir, 'missing.asc') })).toThrow(/signingKeyFile cannot be read \(ENOENT\)/);
  });

  it('seals to RFC 9580 (v6) curve25519 keys too, when the supplier gives one', async () => {
    const supplier = await generateKey({ type: 'curve25519', userIDs: [{ name: 'v6 supplier' }], config: { v6Keys: true } });
    const connector = open({ ...sandbox.config, recipientKeyFile: keyFile('v6.pub.asc', supplier.publicKey) });
    const { encryption } = await connector.deliver('debt.collect', debtCollectPayload(), deliveryContext(randomUUID()));
    expect(encryption?.recipientKeyFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });
});
