import { api, registerBody, startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueName } from '../support/services';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

const postText = (raw: string) =>
  api(gateway, 'POST', '/v1/transfers', {
    token: gateway.keys.provisioning,
    raw,
    headers: { 'content-type': 'application/json', 'idempotency-key': uniqueName('nest-') },
  });

/** A transfer request whose `data` carries `extra` under `key`, as JSON text; `extra` is JSON text too, so it can be nested past any parser's taste. */
function withExtra(key: string, extra: string): string {
  const body = JSON.stringify(registerBody());
  return body.replace('"data":{', `"data":{${JSON.stringify(key)}:${extra},`);
}

/** `levels` arrays, one inside the other, as JSON text: `[[[…]]]`. */
const nestedArrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
/** `levels` objects, one inside the other under the key `x`: `{"x":{"x":{}}}`. */
const nestedObjects = (levels: number) => '{"x":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);

// 240 KB: under the 256 KB body limit, far over any sensible depth.
const deep = 240 * 1024;

describe('a body is parsed with a nesting limit of 64 levels', () => {
  test('240 KB of nested arrays: 400 problem+json, pointing at the first value past the limit', async () => {
    const answer = await postText(withExtra('a', nestedArrays(deep / 2)));
    expect(answer.status).toBe(400);
    expect(answer.type).toContain('application/problem+json');
    // The body is level 1, data level 2, `a` level 3: the array at level 65 is the 62nd inside `a`.
    expect(answer.json.errors).toEqual([{ pointer: '/data/a' + '/0'.repeat(62), detail: expect.stringMatching(/64 levels/) }]);
  });

  test('240 KB of nested objects: 400, pointing at the first object past the limit', async () => {
    const answer = await postText(withExtra('x', nestedObjects(deep / 6)));
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([{ pointer: '/data' + '/x'.repeat(63), detail: expect.stringMatching(/64 levels/) }]);
  });

  test('a whole body of nested arrays: 400 at a pointer from the root', async () => {
    const answer = await postText(nestedArrays(deep / 2));
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([{ pointer: '/0'.repeat(64), detail: expect.stringMatching(/64 levels/) }]);
  });

  test('a key on the way that is not a field name is not named: the pointer stops at its parent', async () => {
    const answer = await postText(withExtra('jan.jansen@example.nl', nestedArrays(100)));
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([{ pointer: '/data', detail: expect.stringMatching(/64 levels/) }]);
    expect(answer.text).not.toContain('jan.jansen');
  });

  test('64 levels are fine: the extra field is withheld and the transfer accepted', async () => {
    // Level 1 the body, 2 data, so 62 arrays under `deepest` reach level 64.
    const answer = await postText(withExtra('deepest', nestedArrays(62)));
    expect(answer.status).toBe(202);
    expect(answer.json.fieldsWithheld).toEqual(expect.arrayContaining(['/data/deepest']));
    expect((await postText(withExtra('deepest', nestedArrays(63)))).status).toBe(400);
  });

  test('brackets inside strings and keys do not count, escaped quotes and backslashes included', async () => {
    const body = registerBody();
    // In the JSON text: [{ ... \"[{ ... \\" — an escaped quote inside, an escaped backslash before the closing quote.
    (body.data as Record<string, unknown>).note = '[{'.repeat(1000) + '"[{'.repeat(100) + '\\';
    expect((await postText(JSON.stringify(body))).status).toBe(202);
    // A key of brackets is no field name: refused at its parent, not counted as nesting.
    (body.data as Record<string, unknown>)['"' + '['.repeat(100)] = 1;
    const answer = await postText(JSON.stringify(body));
    expect({ status: answer.status, pointers: answer.json.errors.map((error: { pointer: string }) => error.pointer) }).toEqual({ status: 422, pointers: ['/data'] });
  });

  test('well-formed requests sent together with deep ones are each accepted on their own', async () => {
    const deepOnes = Array.from({ length: 16 }, (_, index) => postText(withExtra('a', index % 2 ? nestedArrays(deep / 2) : nestedObjects(deep / 6))));
    const wellFormed = Array.from({ length: 16 }, () => postText(JSON.stringify(registerBody())));
    const [deepAnswers, wellFormedAnswers] = await Promise.all([Promise.all(deepOnes), Promise.all(wellFormed)]);
    expect(deepAnswers.map((answer) => answer.status)).toEqual(Array(16).fill(400));
    expect(wellFormedAnswers.map((answer) => answer.status)).toEqual(Array(16).fill(202));
  });
});
