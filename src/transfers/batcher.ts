export interface BatcherOptions {
  /** Batches in flight at once, so that one batch's next step overlaps the one after it. */
  maxInFlight?: number;
  maxBatch?: number;
  /**
   * While a batch is in flight, another starts only once this many items wait; fewer go when a batch
   * finishes. A round trip is not spent on one item while the rest of a burst is still arriving.
   */
  minFill?: number;
}

/**
 * Items that arrive while batches are in flight wait and go together in the next batch, so N concurrent
 * requests cost one round trip instead of N; a lone item goes at once. Intake uses it twice: to hand
 * requests to its threads, and to write them (group commit: one statement and one commit per batch).
 */
export class Batcher<Item, Result> {
  private waiting: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;
  private readonly drains = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private readonly minFill: number;

  constructor(
    private readonly processBatch: (items: Item[]) => Promise<Result[]>,
    { maxInFlight = 2, maxBatch = 100, minFill = 1 }: BatcherOptions = {},
  ) {
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.minFill = minFill;
  }

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.inFlight === 0 || (this.inFlight < this.maxInFlight && this.waiting.length >= this.minFill)) {
        const drain = this.drain().finally(() => this.drains.delete(drain));
        this.drains.add(drain);
      }
    });
  }

  /** Resolves once every item submitted so far has been processed, including those whose callers stopped waiting. */
  async idle(): Promise<void> {
    while (this.drains.size) await Promise.all(this.drains);
  }

  private async drain(): Promise<void> {
    this.inFlight += 1;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await this.processBatch(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index]));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.inFlight -= 1;
  }
}
