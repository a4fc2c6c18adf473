import { randomBytes } from 'node:crypto';
import { randomBytesFromPool, seal, subjectHash, unseal } from '../../src/crypto/sealing';
import { SubjectKeys } from '../../src/subjects/subject-keys';
import { api, canary, registerBody, startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

describe('seal / unseal (AES-256-GCM with associated data)', () => {
  const key = randomBytes(32);
  const plaintext = Buffer.from(JSON.stringify({ firstName: canary.first }));

  test('opens with the same key and associated data only', () => {
    const sealed = seal(key, plaintext, 'transfer-1');
    expect(unseal(key, sealed, 'transfer-1')).toEqual(plaintext);
    expect(() => unseal(randomBytes(32), sealed, 'transfer-1')).toThrow();
    expect(() => unseal(key, sealed, 'transfer-2')).toThrow();
  });

  test('any changed byte (iv, tag or ciphertext) is refused', () => {
    const sealed = seal(key, plaintext, 'transfer-1');
    for (const index of [0, 12, 28, sealed.length - 1]) {
      const changed = Buffer.from(sealed);
      changed[index] ^= 1;
      expect(() => unseal(key, changed, 'transfer-1')).toThrow();
    }
  });

  test('the same plaintext sealed twice gives different bytes (a fresh iv each time), neither holding the plaintext', () => {
    const first = seal(key, plaintext, 'transfer-1');
    const second = seal(key, plaintext, 'transfer-1');
    expect(first.equals(second)).toBe(false);
    expect(first.includes(canary.first)).toBe(false);
  });

  test('pooled random bytes are never handed out twice, across refills of the pool', () => {
    // 12-byte IVs and 32-byte keys, enough to refill the 4 KB pool several times; two equal draws of 96 bits would mean reuse.
    const draws = Array.from({ length: 1000 }, (_, index) => randomBytesFromPool(index % 2 ? 12 : 32));
    expect(draws.every((draw, index) => draw.length === (index % 2 ? 12 : 32))).toBe(true);
    expect(new Set(draws.map((draw) => draw.toString('hex'))).size).toBe(draws.length);
    // A draw is fixed once taken: later draws and refills leave it as it was.
    const first = Buffer.from(draws[0]);
    for (let i = 0; i < 500; i++) randomBytesFromPool(32);
    expect(draws[0].equals(first)).toBe(true);
  });

  test('the subject hash is keyed: another key gives another hash', () => {
    expect(subjectHash(randomBytes(32), 'cust-1')).not.toBe(subjectHash(randomBytes(32), 'cust-1'));
  });
});

describe('sealed transfers in the database', () => {
  let gateway: TestGateway;
  let subjectKeys: SubjectKeys;
  type Row = { id: string; subject_hash: string; subject_key_id: string; sealed_payload: Uint8Array };
  let rows: Map<string, Row>;
  let ids: { firstOfA: string; secondOfA: string; onlyOfB: string };

  beforeAll(async () => {
    // API only: no worker takes the transfers, so they stay as intake stored them.
    gateway = await startTestGateway({ env: { role: 'api' } });
    subjectKeys = new SubjectKeys(gateway.env.masterKey);
    const [subjectA, subjectB] = [uniqueName('cust-a-'), uniqueName('cust-b-')];
    const post = async (subject: string) => {
      const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(subject), headers: { 'idempotency-key': uniqueName('k-') } });
      expect(answer.status).toBe(202);
      return answer.json.id as string;
    };
    ids = { firstOfA: await post(subjectA), secondOfA: await post(subjectA), onlyOfB: await post(subjectB) };
    const found = await gateway.db.query<Row>('select id, subject_hash, subject_key_id, sealed_payload from transfers');
    rows = new Map(found.map((row) => [row.id, row]));
  });
  afterAll(() => gateway?.close());

  const sealedOf = (id: string) => Buffer.from(rows.get(id)!.sealed_payload);
  const keyOf = async (id: string) => (await subjectKeys.dataKey(gateway.db, rows.get(id)!.subject_key_id))!;

  test('a payload opens with its subject key and its own transfer id, and holds only the agreed fields', async () => {
    const payload = JSON.parse(unseal(await keyOf(ids.firstOfA), sealedOf(ids.firstOfA), ids.firstOfA).toString('utf8'));
    expect(payload.registrant).toMatchObject({ firstName: canary.first, email: canary.email });
    expect(payload.registrant).not.toHaveProperty('dateOfBirth');
    expect(payload.registrant).not.toHaveProperty('bankAccount');
  });

  test('one key per subject: both transfers of a subject share it, another subject has its own', () => {
    expect(rows.get(ids.firstOfA)!.subject_key_id).toBe(rows.get(ids.secondOfA)!.subject_key_id);
    expect(rows.get(ids.onlyOfB)!.subject_key_id).not.toBe(rows.get(ids.firstOfA)!.subject_key_id);
  });

  test("another subject's key cannot open it", async () => {
    const keyOfB = await keyOf(ids.onlyOfB);
    expect(() => unseal(keyOfB, sealedOf(ids.firstOfA), ids.firstOfA)).toThrow();
  });

  test("moved to another transfer of the same subject it cannot be opened there (the transfer id is the associated data)", async () => {
    const keyOfA = await keyOf(ids.secondOfA);
    expect(() => unseal(keyOfA, sealedOf(ids.firstOfA), ids.secondOfA)).toThrow();
    expect(() => unseal(keyOfA, sealedOf(ids.secondOfA), ids.secondOfA)).not.toThrow();
  });

  test("a subject's wrapped key moved to another subject cannot be unwrapped", async () => {
    const [keyRow] = await gateway.db.query<{ wrapped_key: Uint8Array }>('select wrapped_key from subject_keys where id = $1', [rows.get(ids.firstOfA)!.subject_key_id]);
    const hashOfB = rows.get(ids.onlyOfB)!.subject_hash;
    expect(() => unseal(gateway.env.masterKey, Buffer.from(keyRow.wrapped_key), hashOfB)).toThrow();
    expect(() => unseal(randomBytes(32), Buffer.from(keyRow.wrapped_key), rows.get(ids.firstOfA)!.subject_hash)).toThrow();
  });
});
