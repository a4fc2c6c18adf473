import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkpointMessage } from '../../src/shares/checkpoints';
import { sgw } from '../cli/sgw';
import { api, registerBody, startTestGateway, type TestGateway } from '../support/gateway';
import { sql, testDatabaseUrl, uniqueName } from '../support/services';

// Issue 12, point 4: editing, deleting, reordering or truncating shares-log rows as a database superuser is
// found by GET /v1/shares/verify and by the offline `sgw shares verify`, which reads PostgreSQL itself.

let gateway: TestGateway;
let schema: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  [{ schema }] = await gateway.db.query<{ schema: string }>('select current_schema() as schema');
});
afterAll(() => gateway.close());

/** As a superuser with the append-only triggers switched off, which is the only way past them. */
const tamper = (statements: string) =>
  sql(`begin; set local session_replication_role = replica; ${statements}; commit;`, [], schema);

/** A log of `entries` refused transfers (one entry each, through the API), its head signed on demand. */
async function freshSignedLog(entries: number) {
  await tamper('delete from share_log; delete from share_log_checkpoints');
  for (let n = 0; n < entries; n++) {
    const refused = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: { ...registerBody(), purpose: 'marketing' }, headers: { 'idempotency-key': uniqueName('tamper-') } });
    expect(refused.status).toBe(403);
  }
  const checkpoint = await api(gateway, 'POST', '/v1/shares/checkpoint', { token: gateway.keys.privacy });
  expect(checkpoint.json).toMatchObject({ seq: entries });
  return checkpoint.json;
}

const verifyOffline = (...args: string[]) => sgw(['shares', 'verify', '--database-url', testDatabaseUrl, '--schema', schema, ...args], {});

test('an intact log: the API and the offline verifier agree, against the signed head', async () => {
  const checkpoint = await freshSignedLog(3);
  const answer = await api(gateway, 'GET', '/v1/shares/verify', { token: gateway.keys.privacy });
  expect(answer.json).toEqual({ ok: true, entries: 3, head: { seq: 3, hash: checkpoint.hash }, firstBadSeq: null, checkpoint: { seq: 3, signedAt: checkpoint.signedAt }, problem: null });
  const offline = await verifyOffline('--json');
  expect(offline.code).toBe(0);
  expect(JSON.parse(offline.stdout)).toMatchObject(answer.json);
  const forPeople = await verifyOffline();
  expect(forPeople).toMatchObject({ code: 0, stderr: '' });
  expect(forPeople.stdout).toMatch(/verdict:\s+intact/);
});

describe.each([
  ['an edited entry', `update share_log set entry = jsonb_set(entry, '{purpose}', '"domain_registration"') where seq = 3`, 3, /entry 3 does not match its hash/],
  ['a deleted middle entry', 'delete from share_log where seq = 2', 2, /entry 2 is missing/],
  ['two entries reordered', 'update share_log set seq = -seq where seq in (2, 3); update share_log set seq = 5 + seq where seq in (-2, -3)', 2, /entry 2 does not link to entry 1/],
  ['entries cut off the end', 'delete from share_log where seq >= 4', 4, /the log ends at entry 3, but the checkpoint .* covers entries up to 5: entries 4 to 5 were removed/],
  ['the table truncated', 'truncate share_log', 1, /the log ends at entry 0/],
])('%s', (_case, statements, firstBadSeq, problem) => {
  beforeAll(async () => {
    await freshSignedLog(5);
    await tamper(statements);
  });

  test('is found by GET /v1/shares/verify', async () => {
    const answer = await api(gateway, 'GET', '/v1/shares/verify', { token: gateway.keys.privacy });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ ok: false, head: null, firstBadSeq, checkpoint: { seq: 5 } });
    expect(answer.json.problem).toMatch(problem);
  });

  test('is found by sgw shares verify: exit 1, the first bad seq and why', async () => {
    const offline = await verifyOffline();
    expect(offline.code).toBe(1);
    expect(offline.stdout).toMatch(/verdict:\s+TAMPERED/);
    expect(offline.stdout).toMatch(new RegExp(`first bad seq:\\s+${firstBadSeq}\\n`));
    expect(offline.stdout).toMatch(problem);
    const json = await verifyOffline('--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstBadSeq });
  });
});

describe('a checkpoint kept elsewhere', () => {
  test('still shows a cut-off tail after the checkpoints in the database were cut too', async () => {
    const kept = await freshSignedLog(4);
    const file = path.join(gateway.env.dataDir, 'kept-checkpoint.json');
    writeFileSync(file, JSON.stringify(kept));
    await tamper('delete from share_log where seq = 4; delete from share_log_checkpoints');
    // With no checkpoint left in the database, the remaining chain looks whole to it...
    expect((await api(gateway, 'GET', '/v1/shares/verify', { token: gateway.keys.privacy })).json).toMatchObject({ ok: true, entries: 3, checkpoint: null });
    // ...but not to the kept head.
    const offline = await verifyOffline('--checkpoint', file, '--json');
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.stdout)).toMatchObject({ ok: false, firstBadSeq: 4, checkpoint: { seq: 4 } });
  });

  test('signed by another key is refused, though it matches the log', async () => {
    const kept = await freshSignedLog(2);
    const other = generateKeyPairSync('ed25519');
    const forged = { ...kept, publicKey: kept.publicKey, signature: sign(null, checkpointMessage(kept), other.privateKey).toString('base64') };
    const file = path.join(gateway.env.dataDir, 'forged-checkpoint.json');
    writeFileSync(file, JSON.stringify(forged));
    const offline = await verifyOffline('--checkpoint', file, '--json');
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.stdout)).toMatchObject({ ok: false, firstBadSeq: null, problem: 'the checkpoint at entry 2 is not signed by the trusted key' });
  });
});

test('a checkpoint row forged under another key, to cover a cut, is refused by the API', async () => {
  await freshSignedLog(3);
  const other = generateKeyPairSync('ed25519');
  const [head] = await sql('select seq, hash from share_log where seq = 2', [], schema);
  const forged = { seq: 2, hash: head.hash as string, signedAt: new Date(Date.now() + 1000).toISOString() };
  await tamper(
    `delete from share_log where seq = 3;
     insert into share_log_checkpoints (seq, hash, signed_at, public_key, signature) values (2, '${forged.hash}', '${forged.signedAt}',
       '${other.publicKey.export({ format: 'pem', type: 'spki' })}', '${sign(null, checkpointMessage(forged), other.privateKey).toString('base64')}')`,
  );
  // The newest signed head at seq 3 still shows the cut: the forged row is not newer in seq. Cut that one too.
  await tamper('delete from share_log_checkpoints where seq = 3');
  const answer = await api(gateway, 'GET', '/v1/shares/verify', { token: gateway.keys.privacy });
  expect(answer.json).toMatchObject({ ok: false, firstBadSeq: null, checkpoint: { seq: 2 }, problem: 'the checkpoint at entry 2 is not signed by the trusted key' });
});

describe('sgw shares verify: usage and reach', () => {
  test('without --database-url: exit 2, nothing read', async () => {
    const run = await sgw(['shares', 'verify'], {});
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/required option '--database-url <url>' not specified/);
  });

  test('a checkpoint file that is not one: exit 2', async () => {
    const file = path.join(gateway.env.dataDir, 'not-a-checkpoint.json');
    writeFileSync(file, JSON.stringify({ seq: 1 }));
    const run = await verifyOffline('--checkpoint', file);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/not a checkpoint as GET \/v1\/shares\/checkpoint answers it/);
  });

  test('a schema without a shares log: exit 2', async () => {
    const run = await sgw(['shares', 'verify', '--database-url', testDatabaseUrl, '--schema', 'no_such_schema'], {});
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/share_log does not exist there/);
  });

  test('a database nobody answers at: exit 3', async () => {
    const run = await sgw(['shares', 'verify', '--database-url', 'postgres://postgres@127.0.0.1:1/test', '--json'], {});
    expect(run).toMatchObject({ code: 3, stdout: '' });
    expect(run.stderr).toMatch(/cannot reach the database at 127\.0\.0\.1:1: ECONNREFUSED/);
  });
});
