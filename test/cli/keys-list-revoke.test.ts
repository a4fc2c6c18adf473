import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, startTestGateway, type TestGateway } from '../support/gateway';
import { waitFor } from '../support/services';
import { sgw } from './sgw';

// Issue 11, point 9: `sgw keys list` and `sgw keys revoke` work on the keys file of a running gateway,
// which stops taking a revoked token without a restart.
let gateway: TestGateway;
let env: Record<string, string>;
beforeAll(async () => {
  gateway = await startTestGateway();
  env = { SGW_API_KEYS_FILE: gateway.env.apiKeysFile };
});
afterAll(() => gateway.close());

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;
const keysInFile = () => JSON.parse(readFileSync(gateway.env.apiKeysFile, 'utf8')).keys as { id: string; name: string; tokenHash: string }[];
const route = () => `/v1/transfers/${randomUUID()}`;

async function createKey(name: string): Promise<string> {
  const created = await sgw(['keys', 'create', '--name', name, '--role', 'ops'], env);
  expect(created.code).toBe(0);
  return lastLine(created.stdout);
}

test('keys list shows id, name, role and created for every key, never a token hash; --json the same as data', async () => {
  await createKey('listed-key');
  const inFile = keysInFile();

  const table = await sgw(['keys', 'list'], env);
  expect(table.code).toBe(0);
  const [header, ...rows] = table.stdout.trimEnd().split('\n');
  expect(header.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'ROLE', 'CREATED']);
  expect(rows.map((row) => row.split(/\s+/).slice(0, 3))).toEqual(inFile.map((key) => [key.id, key.name, expect.any(String)]));
  expect(rows.find((row) => row.includes('listed-key'))).toMatch(/ ops +\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

  const json = await sgw(['keys', 'list', '--json'], env);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout).items).toEqual(inFile.map(({ id, name }) => ({ id, name, role: expect.any(String), createdAt: expect.any(String) })));
  for (const output of [table.stdout, json.stdout]) for (const key of inFile) expect(output).not.toContain(key.tokenHash);
});

test('a key revoked by name is refused by the running gateway (401) within a few seconds; the other keys keep working', async () => {
  const token = await createKey('to-revoke');
  expect((await api(gateway, 'GET', route(), { token })).status).toBe(404);

  const revoked = await sgw(['keys', 'revoke', 'to-revoke'], env);
  expect(revoked.code).toBe(0);
  expect(revoked.stdout).toMatch(/^Revoked ops key "to-revoke" \(id [0-9a-f-]{36}\)/);
  expect(keysInFile().map((key) => key.name)).not.toContain('to-revoke');
  await waitFor(async () => (await api(gateway, 'GET', route(), { token })).status === 401, 'the revoked token to be refused', 3000);
  expect((await api(gateway, 'GET', route(), { token: gateway.keys.ops })).status).toBe(404);
});

test('a key revoked by id, with --json: the key without its hash on stdout, and gone from the file', async () => {
  await createKey('by-id');
  const { id } = keysInFile().find((key) => key.name === 'by-id')!;
  const revoked = await sgw(['keys', 'revoke', id, '--json'], env);
  expect(revoked.code).toBe(0);
  expect(JSON.parse(revoked.stdout)).toEqual({ id, name: 'by-id', role: 'ops', createdAt: expect.any(String) });
  expect(keysInFile().map((key) => key.id)).not.toContain(id);
});

test('a name two keys share is refused (exit 1, revoke by id) and the file is left as it was', async () => {
  await createKey('twin');
  await createKey('twin');
  const before = readFileSync(gateway.env.apiKeysFile, 'utf8');
  const result = await sgw(['keys', 'revoke', 'twin'], env);
  expect(result).toMatchObject({ code: 1, stdout: '' });
  expect(result.stderr).toMatch(/2 keys are named "twin": revoke one by its id/);
  expect(readFileSync(gateway.env.apiKeysFile, 'utf8')).toBe(before);
});

test('an id or name no key has exits 1 and says so', async () => {
  const result = await sgw(['keys', 'revoke', 'nobody'], env);
  expect(result).toMatchObject({ code: 1, stdout: '' });
  expect(result.stderr).toContain(`no key in ${path.resolve(gateway.env.apiKeysFile)} has the id or name "nobody"`);
});

test('keys revoked by several processes at once are all gone, and no other key is lost (the same lock as create)', async () => {
  const names = Array.from({ length: 8 }, (_, index) => `parallel-${index}`);
  for (const name of names) await createKey(name);
  const kept = keysInFile().filter((key) => !names.includes(key.name));
  const results = await Promise.all(names.map((name) => sgw(['keys', 'revoke', name], env)));
  expect(results.map((result) => result.code)).toEqual(names.map(() => 0));
  expect(keysInFile()).toEqual(kept);
});

test('keys create --json: the new key and its token as JSON alone on stdout; the token works at once', async () => {
  const created = await sgw(['keys', 'create', '--name', 'scripted', '--role', 'ops', '--json'], env);
  expect(created).toMatchObject({ code: 0, stderr: '' });
  const key = JSON.parse(created.stdout);
  expect(key).toEqual({ id: keysInFile().find((entry) => entry.name === 'scripted')!.id, name: 'scripted', role: 'ops', createdAt: expect.any(String), token: expect.stringMatching(/^sgw_/) });
  expect((await api(gateway, 'GET', route(), { token: key.token })).status).toBe(404);
});
