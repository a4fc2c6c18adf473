import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { registerBody, startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

/** A transfer request sent as the given bytes with the given headers, to see how the gateway reads the body; `token: null` sends none. */
async function post(body: Buffer | string, headers: Record<string, string>, token: string | null = gateway.keys.provisioning) {
  const response = await fetch(`${gateway.url}/v1/transfers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': uniqueName('enc-'), ...(token && { authorization: `Bearer ${token}` }), ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text };
}

const json = () => JSON.stringify(registerBody());

describe('Content-Encoding', () => {
  test.each(['gzip', 'br', 'deflate'])('a body that says %s but is not compressed: 400 problem+json', async (encoding) => {
    const answer = await post(json(), { 'content-encoding': encoding });
    expect(answer.status).toBe(400);
    expect(answer.type).toContain('application/problem+json');
    expect(JSON.parse(answer.text)).toMatchObject({ status: 400, detail: expect.stringMatching(/Content-Encoding/) });
  });

  test('a compressed body that is cut short: 400', async () => {
    const compressed = gzipSync(json());
    expect((await post(compressed.subarray(0, compressed.length - 12), { 'content-encoding': 'gzip' })).status).toBe(400);
  });

  test.each([
    ['gzip', gzipSync],
    ['br', brotliCompressSync],
    ['deflate', deflateSync],
  ] as const)('a body really compressed with %s is accepted', async (encoding, compress) => {
    expect((await post(compress(json()), { 'content-encoding': encoding })).status).toBe(202);
  });

  test('a small body that inflates past the 256 KB limit: 413, read no further', async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(32 * 1024);
    expect((await post(bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
  });

  test('an encoding the gateway does not read: 415', async () => {
    const answer = await post(json(), { 'content-encoding': 'compress' });
    expect(answer.status).toBe(415);
    expect(answer.type).toContain('application/problem+json');
  });

  test('without a valid API key, a broken encoding is a 401 first', async () => {
    expect((await post(json(), { 'content-encoding': 'gzip' }, null)).status).toBe(401);
  });
});

describe('charset: JSON is UTF-8 (RFC 8259)', () => {
  test('bytes that are not UTF-8: 400, not read as replacement characters', async () => {
    const body = Buffer.from(json());
    const broken = Buffer.concat([body.subarray(0, 60), Buffer.from([0xc3, 0x28, 0xff]), body.subarray(60)]);
    const answer = await post(broken, {});
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).detail).toMatch(/UTF-8/);
  });

  test.each(['iso-8859-1', 'utf-16', 'windows-1252', 'x-no-such-charset'])('charset=%s: 415 problem+json', async (charset) => {
    const answer = await post(json(), { 'content-type': `application/json; charset=${charset}` });
    expect(answer.status).toBe(415);
    expect(answer.type).toContain('application/problem+json');
    expect(JSON.parse(answer.text).detail).toMatch(/UTF-8/);
  });

  test.each(['utf-8', 'UTF-8', '"utf-8"'])('charset=%s is accepted', async (charset) => {
    expect((await post(json(), { 'content-type': `application/json; charset=${charset}` })).status).toBe(202);
  });
});
