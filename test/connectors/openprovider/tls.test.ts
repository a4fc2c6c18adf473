import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SupplierUntrustedTlsError } from '../../../src/connector-kit';
import { openprovider } from '../../../connectors/openprovider/connector';
import { type OpenproviderSandbox, startOpenproviderSandbox } from '../../../connectors/openprovider/sandbox';
import { makeThrowawayCa } from '../../../connectors/sandbox-tls';
import { recordingContext, registerPayload } from '../support/payloads';

const repoRoot = path.resolve(__dirname, '../../..');
let tlsDir: string;
let sandbox: OpenproviderSandbox;

beforeAll(async () => {
  tlsDir = mkdtempSync(path.join(os.tmpdir(), 'openprovider-tls-'));
  const { key, cert } = makeThrowawayCa(tlsDir, 'openprovider sandbox test CA');
  sandbox = await startOpenproviderSandbox({ tls: { key, cert } });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(tlsDir, { recursive: true, force: true });
});

describe('openprovider over verified TLS', () => {
  it('serves HTTPS', () => {
    expect(sandbox.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1beta$/);
  });

  it('refuses a server whose CA it was not given, as a permanent configuration problem that sent nothing', async () => {
    const connector = openprovider.create({ baseUrl: sandbox.url, username: sandbox.username, password: sandbox.password });
    const check = connector.check();
    await expect(check).rejects.toBeInstanceOf(SupplierUntrustedTlsError);
    await expect(check).rejects.toMatchObject({ code: 'untrusted_tls', retryable: false, message: expect.stringMatching(/NODE_EXTRA_CA_CERTS/) });
    const delivery = connector.deliver('domain.register', registerPayload(), recordingContext());
    await expect(delivery).rejects.toMatchObject({ name: 'SupplierUntrustedTlsError', code: 'untrusted_tls' });
    await connector.close?.();
    expect(sandbox.requests()).toEqual({});
  });

  it('works when the CA comes through NODE_EXTRA_CA_CERTS', async () => {
    const domain = `jansen-tls-${process.pid}.nl`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'fixtures/deliver-over-tls.ts')],
      {
        cwd: repoRoot,
        timeout: 20_000,
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: path.join(tlsDir, 'ca.crt'),
          SANDBOX_URL: sandbox.url,
          SANDBOX_USERNAME: sandbox.username,
          SANDBOX_PASSWORD: sandbox.password,
          DOMAIN: domain,
        },
      },
    );
    const result = JSON.parse(stdout) as { supplierReference: string; sentDigest: string };
    const registered = sandbox.domains().find((entry) => entry.name === domain);
    expect(result.supplierReference).toBe(String(registered?.id));
    expect(sandbox.requests()['POST /auth/login']).toBe(1);
  });
});
