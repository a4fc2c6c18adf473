import { Batcher } from '../../src/transfers/batcher';

/** A batch writer the test releases by hand, so it decides when a write is "in flight". */
function controlledWriter() {
  const batches: number[][] = [];
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  let mostInFlight = 0;
  const writeBatch = (items: number[]) => {
    batches.push(items);
    mostInFlight = Math.max(mostInFlight, pending.length + 1);
    return new Promise<string[]>((resolve, reject) => {
      pending.push({ resolve: () => resolve(items.map((value) => `wrote ${value}`)), reject });
    });
  };
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  return {
    batches,
    writeBatch,
    mostInFlight: () => mostInFlight,
    /** Finishes the oldest write still in flight, then lets the next batch start. */
    async finish() {
      pending.shift()!.resolve();
      await settled();
    },
    async fail(error: Error) {
      pending.shift()!.reject(error);
      await settled();
    },
  };
}

describe('Batcher', () => {
  test('idle() waits for every submitted item, also those waiting behind a batch in flight', async () => {
    const writer = controlledWriter();
    const batcher = new Batcher(writer.writeBatch, { maxInFlight: 1 });
    void batcher.submit(1);
    void batcher.submit(2);
    let idle = false;
    const whenIdle = batcher.idle().then(() => (idle = true));
    await writer.finish();
    expect(writer.batches).toEqual([[1], [2]]);
    expect(idle).toBe(false);
    await writer.finish();
    await whenIdle;
    expect(idle).toBe(true);
  });

  test('a lone item is written at once, alone', async () => {
    const writer = controlledWriter();
    const batcher = new Batcher(writer.writeBatch);
    const result = batcher.submit(1);
    expect(writer.batches).toEqual([[1]]);
    await writer.finish();
    await expect(result).resolves.toBe('wrote 1');
  });

  test('with one batch in flight at most, items arriving while a write is in flight wait and go together in the next batch, each getting its own result', async () => {
    const writer = controlledWriter();
    const batcher = new Batcher(writer.writeBatch, { maxInFlight: 1 });
    const results = [batcher.submit(1), batcher.submit(2), batcher.submit(3), batcher.submit(4)];
    expect(writer.batches).toEqual([[1]]);
    await writer.finish();
    expect(writer.batches).toEqual([[1], [2, 3, 4]]);
    const late = batcher.submit(5);
    await writer.finish();
    expect(writer.batches).toEqual([[1], [2, 3, 4], [5]]);
    await writer.finish();
    await expect(Promise.all([...results, late])).resolves.toEqual(['wrote 1', 'wrote 2', 'wrote 3', 'wrote 4', 'wrote 5']);
  });

  test('by default two batches are in flight at once; later items wait and go together in the next', async () => {
    const writer = controlledWriter();
    const batcher = new Batcher(writer.writeBatch);
    const results = [1, 2, 3, 4, 5].map((value) => batcher.submit(value));
    expect(writer.batches).toEqual([[1], [2]]);
    await writer.finish();
    expect(writer.batches).toEqual([[1], [2], [3, 4, 5]]);
    await writer.finish();
    await writer.finish();
    await expect(Promise.all(results)).resolves.toEqual(['wrote 1', 'wrote 2', 'wrote 3', 'wrote 4', 'wrote 5']);
    expect(writer.mostInFlight()).toBe(2);
  });

  test('with minFill, a second batch waits until that many items wait; fewer go when the first finishes', async () => {
    const writer = controlledWriter();
    const batcher = new Batcher(writer.writeBatch, { minFill: 3 });
    const results = [1, 2, 3].map((value) => batcher.submit(value));
    expect(writer.batches).toEqual([[1]]);
    results.push(batcher.submit(4));
    expect(writer.batches).toEqual([[1], [2, 3, 4]]);
    results.push(batcher.submit(5));
    expect(writer.batches).toHaveLength(2);
    await writer.finish();
    expect(writer.batches).toEqual([[1], [2, 3, 4], [5]]);
    await writer.finish();
    await writer.finish();
    await expect(Promise.all(results)).resolves.toEqual(['wrote 1', 'wrote 2', 'wrote 3', 'wrote 4', 'wrote 5']);
  });

  test('a batch holds at most maxBatch items; the rest follow in order', async () => {
    const writer = controlledWriter();
    const batcher = new Batcher(writer.writeBatch, { maxInFlight: 1, maxBatch: 2 });
    const results = [1, 2, 3, 4, 5, 6].map((value) => batcher.submit(value));
    for (let write = 0; write < 4; write++) await writer.finish();
    expect(writer.batches).toEqual([[1], [2, 3], [4, 5], [6]]);
    await expect(Promise.all(results)).resolves.toHaveLength(6);
  });

  test('a failed write rejects only its own batch, and the next item is written afterwards', async () => {
    const writer = controlledWriter();
    const batcher = new Batcher(writer.writeBatch, { maxInFlight: 1 });
    const first = batcher.submit(1);
    // Rejections are caught as they happen (the test looks at them later).
    const second = [batcher.submit(2), batcher.submit(3)].map((result) => result.catch((error: Error) => error));
    const failure = new Error('deadlock detected');
    await writer.finish();
    expect(writer.batches).toEqual([[1], [2, 3]]);
    await writer.fail(failure);
    await expect(first).resolves.toBe('wrote 1');
    expect(await Promise.all(second)).toEqual([failure, failure]);

    const afterFailure = batcher.submit(4);
    expect(writer.batches.at(-1)).toEqual([4]);
    await writer.finish();
    await expect(afterFailure).resolves.toBe('wrote 4');
  });

  test('a failure in the middle leaves the batches around it untouched', async () => {
    const writer = controlledWriter();
    const batcher = new Batcher(writer.writeBatch, { maxInFlight: 1 });
    const first = batcher.submit(1);
    const failing = batcher.submit(2).catch((error: Error) => error);
    await writer.finish();
    const after = batcher.submit(3);
    await writer.fail(new Error('serialization failure'));
    expect(writer.batches).toEqual([[1], [2], [3]]);
    await writer.finish();
    await expect(first).resolves.toBe('wrote 1');
    expect(await failing).toEqual(new Error('serialization failure'));
    await expect(after).resolves.toBe('wrote 3');
  });
});
