import { randomBytes } from 'node:crypto';
import { seal, sealPayload, subjectHash, unseal, unsealPayload } from '../../src/crypto/sealing';
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

  test('the subject hash is keyed: another key gives another hash', () => {
    expect(subjectHash(randomBytes(32), 'cust-1')).not.toBe(subjectHash(randomBytes(32), 'cust-1'));
  });
});

describe('sealPayload / unsealPayload (a data key per transfer, wrapped by the master key)', () => {
  const masterKey = randomBytes(32);
  const plaintext = Buffer.from(JSON.stringify({ firstName: canary.first }));

  test('opens with the master key and its own transfer id only', () => {
    const sealed = sealPayload(masterKey, 'transfer-1', plaintext);
    expect(unsealPayload(masterKey, 'transfer-1', sealed)).toEqual(plaintext);
    expect(() => unsealPayload(randomBytes(32), 'transfer-1', sealed)).toThrow();
    expect(() => unsealPayload(masterKey, 'transfer-2', sealed)).toThrow();
  });

  test('every transfer has its own data key: a wrapped key opens no other transfer\'s payload', () => {
    const first = sealPayload(masterKey, 'transfer-1', plaintext);
    const second = sealPayload(masterKey, 'transfer-1', plaintext);
    expect(first.wrappedKey.equals(second.wrappedKey)).toBe(false);
    expect(() => unsealPayload(masterKey, 'transfer-1', { wrappedKey: first.wrappedKey, sealedPayload: second.sealedPayload })).toThrow();
  });

  test('the wrapped key is not the payload\'s key under another name: the master key does not open the payload', () => {
    const { sealedPayload } = sealPayload(masterKey, 'transfer-1', plaintext);
    expect(() => unseal(masterKey, sealedPayload, 'transfer-1')).toThrow();
  });
});

describe('sealed transfers in the database', () => {
  let gateway: TestGateway;
  type Row = { id: string; wrapped_key: Uint8Array; sealed_payload: Uint8Array };
  let rows: Map<string, Row>;
  let ids: { firstOfA: string; secondOfA: string };

  beforeAll(async () => {
    // API only: no worker takes the transfers, so they stay as intake stored them.
    gateway = await startTestGateway({ env: { role: 'api' } });
    const subject = uniqueName('cust-a-');
    const post = async () => {
      const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(subject), headers: { 'idempotency-key': uniqueName('k-') } });
      expect(answer.status).toBe(202);
      return answer.json.id as string;
    };
    ids = { firstOfA: await post(), secondOfA: await post() };
    const found = await gateway.db.query<Row>('select id, wrapped_key, sealed_payload from transfers');
    rows = new Map(found.map((row) => [row.id, row]));
  });
  afterAll(() => gateway?.close());

  const sealedOf = (id: string) => ({ wrappedKey: Buffer.from(rows.get(id)!.wrapped_key), sealedPayload: Buffer.from(rows.get(id)!.sealed_payload) });

  test('a payload opens with the master key and its own transfer id, and holds only the agreed fields', () => {
    const payload = JSON.parse(unsealPayload(gateway.env.masterKey, ids.firstOfA, sealedOf(ids.firstOfA)).toString('utf8'));
    expect(payload.registrant).toMatchObject({ firstName: canary.first, email: canary.email });
    expect(payload.registrant).not.toHaveProperty('dateOfBirth');
    expect(payload.registrant).not.toHaveProperty('bankAccount');
  });

  test('two transfers of one subject have different data keys; neither row opens as the other', () => {
    expect(sealedOf(ids.firstOfA).wrappedKey.equals(sealedOf(ids.secondOfA).wrappedKey)).toBe(false);
    expect(() => unsealPayload(gateway.env.masterKey, ids.secondOfA, sealedOf(ids.firstOfA))).toThrow();
  });

  test('with its wrapped key destroyed (as erasure does), the sealed payload that remains cannot be opened', async () => {
    await gateway.db.query('update transfers set wrapped_key = null where id = $1', [ids.secondOfA]);
    const [row] = await gateway.db.query<{ wrapped_key: Uint8Array | null; sealed_payload: Uint8Array }>('select wrapped_key, sealed_payload from transfers where id = $1', [ids.secondOfA]);
    expect(row.wrapped_key).toBeNull();
    // Nothing else in the row or the master key opens the bytes that remain.
    const sealedPayload = Buffer.from(row.sealed_payload);
    expect(() => unseal(gateway.env.masterKey, sealedPayload, ids.secondOfA)).toThrow();
    expect(sealedPayload.includes(canary.first)).toBe(false);
  });
});
