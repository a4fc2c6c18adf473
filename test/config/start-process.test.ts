import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.join(__dirname, '..', '..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm start`'s command with only the given environment (plus PATH). */
function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/start.ts'],
      { cwd: repoRoot, env: { PATH: process.env.PATH, SGW_DATA_DIR: path.join(dir, 'data'), ...env }, timeout: 15_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

describe('the process refuses a bad setting with one clear line and no stack', () => {
  test.each([
    ['PORT=notaport', () => ({ PORT: 'notaport' }), 'supplier-gateway: PORT must be an integer from 0 to 65535'],
    ['production without DATABASE_URL', () => ({ NODE_ENV: 'production' }), 'supplier-gateway: DATABASE_URL must be set when NODE_ENV=production'],
    [
      'a suppliers file naming a supplier without an agreement',
      () => {
        const file = path.join(dir, 'suppliers.json');
        const config = { baseUrl: 'https://api.acme.example/v1beta', username: 'u', password: 'p' };
        writeFileSync(file, JSON.stringify({ suppliers: { acme: { connector: 'openprovider', config } } }));
        const key = Buffer.alloc(32, 1).toString('base64');
        return { SGW_SUPPLIERS_FILE: file, SGW_MASTER_KEY: key, SGW_SUBJECT_HASH_KEY: key };
      },
      'supplier-gateway: SGW_SUPPLIERS_FILE names supplier "acme", which has no schemas/acme/agreement.json',
    ],
    [
      'a database that does not answer',
      () => {
        const key = Buffer.alloc(32, 1).toString('base64');
        return { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test', SGW_MASTER_KEY: key, SGW_SUBJECT_HASH_KEY: key };
      },
      'supplier-gateway: the database is unreachable (DATABASE_URL); start it or fix the URL',
    ],
  ])('%s', async (_case, env, line) => {
    const result = await start(env());
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.stdout).toBe('');
    expect(result.ms).toBeLessThan(10_000);
  });
});
