/**
 * Group commit: requests that arrive while a batch is being written wait and go together in the next
 * one, so N concurrent requests cost one round trip and one commit instead of N. A lone request is
 * written at once.
 */
export class GroupCommit<Item, Result> {
  private waiting: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private writers = 0;

  /** `maxWriters` batches may be in flight at once, so one batch's Redis step overlaps the next one's commit. */
  constructor(
    private readonly writeBatch: (items: Item[]) => Promise<Result[]>,
    private readonly maxWriters = 2,
    private readonly maxBatch = 100,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.writers < this.maxWriters) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writers += 1;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await this.writeBatch(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index]));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.writers -= 1;
  }
}
