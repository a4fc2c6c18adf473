import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, startTestGateway, type TestGateway } from '../support/gateway';

const repoRoot = path.join(__dirname, '..', '..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npx --no sgw <args>` as an operator types it, with the given environment. */
function sgw(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['--no', 'sgw', ...args], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;
const tokenPattern = /^sgw_[A-Za-z0-9_-]{43}$/;

describe('npx sgw keys create', () => {
  test('prints the token once, as its last line; the keys file holds only its hash, mode 0600', async () => {
    const keysFile = path.join(dir, 'keys-a.json');
    const result = await sgw(['keys', 'create', '--name', 'provisioning-bot', '--role', 'ops'], { SGW_DATA_DIR: path.join(dir, 'data-a'), SGW_API_KEYS_FILE: keysFile });
    expect(result.code).toBe(0);
    const token = lastLine(result.stdout);
    expect(token).toMatch(tokenPattern);
    expect(result.stdout.split(token)).toHaveLength(2);

    const text = readFileSync(keysFile, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(4));
    expect(JSON.parse(text).keys).toEqual([
      { id: expect.any(String), name: 'provisioning-bot', role: 'ops', tokenHash: createHash('sha256').update(token).digest('hex'), createdAt: expect.any(String) },
    ]);
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
  });

  test('without SGW_API_KEYS_FILE the keys go to $SGW_DATA_DIR/api-keys.json, and a second key is added, not replacing the first', async () => {
    const dataDir = path.join(dir, 'data-b');
    for (const name of ['first', 'second']) expect((await sgw(['keys', 'create', '--name', name, '--role', 'privacy'], { SGW_DATA_DIR: dataDir })).code).toBe(0);
    const keys = JSON.parse(readFileSync(path.join(dataDir, 'api-keys.json'), 'utf8')).keys;
    expect(keys.map((key: { name: string }) => key.name)).toEqual(['first', 'second']);
  });

  test('keys created by several processes at once are all kept (the read-modify-write is locked)', async () => {
    const keysFile = path.join(dir, 'keys-concurrent.json');
    const writers = 4;
    const perWriter = 25;
    const script = `const { createApiKey } = require('./src/api/api-keys.ts'); for (let i = 0; i < ${perWriter}; i++) createApiKey(process.env.FILE, 'w' + process.pid + '-' + i, 'ops');`;
    const run = () =>
      new Promise<number>((resolve) => execFile(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot, env: { ...process.env, FILE: keysFile } }, (error) => resolve(error ? 1 : 0)));
    expect(await Promise.all(Array.from({ length: writers }, run))).toEqual(new Array(writers).fill(0));
    expect(JSON.parse(readFileSync(keysFile, 'utf8')).keys).toHaveLength(writers * perWriter);
  });

  test('an invalid role exits non-zero, lists the roles, and writes nothing', async () => {
    const keysFile = path.join(dir, 'keys-c.json');
    const result = await sgw(['keys', 'create', '--name', 'x', '--role', 'superuser'], { SGW_DATA_DIR: path.join(dir, 'data-c'), SGW_API_KEYS_FILE: keysFile });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/'superuser' is invalid\. Allowed choices are provisioning, ops, privacy, admin/);
    expect(result.stdout).not.toMatch(/sgw_/);
    expect(existsSync(keysFile)).toBe(false);
  });

  test('a missing --name exits non-zero and says so', async () => {
    const result = await sgw(['keys', 'create', '--role', 'ops'], { SGW_DATA_DIR: path.join(dir, 'data-d') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--name/);
  });
});

describe('a running gateway and keys created by the CLI', () => {
  let gateway: TestGateway;
  const keysFile = () => path.join(dir, 'running-keys.json');
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { apiKeysFile: keysFile() } });
  });
  afterAll(() => gateway.close());

  test('a token not in the file is 401; a key the CLI creates afterwards works without a restart', async () => {
    const route = `/v1/transfers/${randomUUID()}`;
    expect((await api(gateway, 'GET', route, { token: 'sgw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status).toBe(401);

    const created = await sgw(['keys', 'create', '--name', 'ops-dashboard', '--role', 'ops'], { SGW_DATA_DIR: gateway.env.dataDir, SGW_API_KEYS_FILE: keysFile() });
    const token = lastLine(created.stdout);
    expect(token).toMatch(tokenPattern);
    expect((await api(gateway, 'GET', route, { token })).status).toBe(404);
    // The keys the gateway's own setup made are still there: the CLI added to the file.
    expect((await api(gateway, 'GET', route, { token: gateway.keys.ops })).status).toBe(404);
  });

  test('the new key has its role: an ops key may not create transfers (403, not 401)', async () => {
    const created = await sgw(['keys', 'create', '--name', 'ops-2', '--role', 'ops'], { SGW_API_KEYS_FILE: keysFile() });
    const answer = await api(gateway, 'POST', '/v1/transfers', { token: lastLine(created.stdout), body: {}, headers: { 'idempotency-key': 'k' } });
    expect(answer.status).toBe(403);
  });
});
