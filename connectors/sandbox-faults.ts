/** What a fault queue reads of a fault: when it applies, and how often. */
export interface QueuedFault {
  /** How many matching requests pass untouched before it applies (default 0). */
  skip?: number;
  /** How many matching requests it applies to (default 1). */
  count?: number;
  /** Instead of `count` and `skip`: how long after injection it applies to every matching request. */
  forMs?: number;
}

/**
 * A sandbox's faults waiting for requests, first injected first. The sandbox says which requests a fault may
 * apply to (`matches`; default every request it asks about) and what the fault does to the one it gets.
 */
export class FaultQueue<Fault extends QueuedFault, Request = void> {
  /** A timed fault has `until` (epoch ms) instead of a count of requests. */
  private waiting: Array<{ fault: Fault; toSkip: number; remaining: number; until?: number }> = [];

  constructor(private readonly matches: (fault: Fault, request: Request) => boolean = () => true) {}

  inject(fault: Fault): void {
    const until = fault.forMs === undefined ? undefined : Date.now() + fault.forMs;
    this.waiting.push({ fault, toSkip: fault.skip ?? 0, remaining: fault.count ?? 1, until });
  }

  clear(): void {
    this.waiting = [];
  }

  /** Requests still to be hit by a fault: Infinity while a timed fault lasts. */
  pending(): number {
    this.dropEndedTimedFaults();
    return this.waiting.reduce((sum, entry) => sum + (entry.until === undefined ? entry.remaining : Infinity), 0);
  }

  /** The fault for this request, used up by it; undefined when none matches, or the match lets it pass. */
  take(request: Request): Fault | undefined {
    this.dropEndedTimedFaults();
    const index = this.waiting.findIndex((entry) => this.matches(entry.fault, request));
    if (index === -1) return undefined;
    const entry = this.waiting[index];
    if (entry.until !== undefined) return entry.fault;
    if (entry.toSkip > 0) {
      entry.toSkip -= 1;
      return undefined;
    }
    entry.remaining -= 1;
    if (entry.remaining === 0) this.waiting.splice(index, 1);
    return entry.fault;
  }

  private dropEndedTimedFaults(): void {
    const now = Date.now();
    this.waiting = this.waiting.filter((entry) => entry.until === undefined || entry.until > now);
  }
}
