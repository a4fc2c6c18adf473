import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import { api, registerBody, startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';

// Issue 12, point 4: the head of the shares log is signed at intervals and on demand; GET /v1/shares/checkpoint
// answers the latest signed head with what a verifier needs to check it elsewhere.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ checkpointIntervalMs: 200 });
});
afterAll(() => gateway.close());

const privacy = () => ({ token: gateway.keys.privacy });
const head = async () => (await gateway.db.query<{ seq: string; hash: string }>('select seq, hash from share_log order by seq desc limit 1'))[0];
async function appendRefusal() {
  const refused = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: { ...registerBody(), purpose: 'marketing' }, headers: { 'idempotency-key': uniqueName('cp-') } });
  expect(refused.status).toBe(403);
}

test('an empty log has no checkpoint (404) and nothing to sign (409)', async () => {
  expect(await api(gateway, 'GET', '/v1/shares/checkpoint', privacy())).toMatchObject({ status: 404, json: { detail: expect.stringMatching(/POST \/v1\/shares\/checkpoint signs one/) } });
  expect(await api(gateway, 'POST', '/v1/shares/checkpoint', privacy())).toMatchObject({ status: 409, json: { title: 'Shares log empty' } });
});

test('the head is signed at intervals once it moved, in the documented format, under SGW_LOG_SIGNING_KEY', async () => {
  await appendRefusal();
  await appendRefusal();
  const { seq, hash } = await head();
  const answer = await waitFor(async () => {
    const checkpoint = await api(gateway, 'GET', '/v1/shares/checkpoint', privacy());
    return checkpoint.json?.seq === Number(seq) && checkpoint;
  }, 'an interval checkpoint of the new head');
  const checkpoint = answer.json;
  expect(checkpoint).toEqual({ seq: Number(seq), hash, signedAt: expect.any(String), signature: expect.any(String), publicKey: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/), algorithm: 'Ed25519' });
  // As docs/shares-log.md tells a verifier to check it, without the gateway's code.
  const message = Buffer.from(canonicalize({ hash: checkpoint.hash, seq: checkpoint.seq, signedAt: checkpoint.signedAt })!);
  expect(verify(null, message, createPublicKey(checkpoint.publicKey), Buffer.from(checkpoint.signature, 'base64'))).toBe(true);
  // The key is the configured one: its seed gives the same public key.
  const configured = createPublicKey(createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), gateway.env.logSigningKey]), format: 'der', type: 'pkcs8' }));
  expect(checkpoint.publicKey).toBe(configured.export({ format: 'pem', type: 'spki' }));
});

test('on demand: POST signs the current head at once and answers it; asked again for the same head, the same checkpoint', async () => {
  // A gateway signing every minute, so that only the POST can have signed the new head.
  const slow = await startTestGateway();
  try {
    const post = () => api(slow, 'POST', '/v1/shares/checkpoint', { token: slow.keys.admin });
    const refused = await api(slow, 'POST', '/v1/transfers', { token: slow.keys.provisioning, body: { ...registerBody(), purpose: 'marketing' }, headers: { 'idempotency-key': uniqueName('cp-') } });
    expect(refused.status).toBe(403);
    expect((await api(slow, 'GET', '/v1/shares/checkpoint', { token: slow.keys.admin })).status).toBe(404);
    const signed = await post();
    expect(signed).toMatchObject({ status: 200, json: { seq: 1 } });
    expect((await post()).json).toEqual(signed.json);
    expect((await api(slow, 'GET', '/v1/shares/checkpoint', { token: slow.keys.privacy })).json).toEqual(signed.json);
    expect((await api(slow, 'GET', '/v1/shares/verify', { token: slow.keys.privacy })).json).toMatchObject({ ok: true, entries: 1, checkpoint: { seq: 1, signedAt: signed.json.signedAt } });
  } finally {
    await slow.close();
  }
});

test('the checkpoint routes take no query parameters', async () => {
  expect(await api(gateway, 'GET', '/v1/shares/checkpoint?seq=1', privacy())).toMatchObject({ status: 400, json: { errors: [{ pointer: '/query/seq' }] } });
  expect(await api(gateway, 'POST', '/v1/shares/checkpoint?now=1', privacy())).toMatchObject({ status: 400, json: { errors: [{ pointer: '/query/now' }] } });
});
