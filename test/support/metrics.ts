import { api } from './gateway';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** GET /metrics; fails the test unless it answers 200 in Prometheus text format. */
export async function scrape(gateway: { url: string }, token?: string): Promise<Scrape> {
  const answer = await api(gateway, 'GET', '/metrics', { token });
  expect({ status: answer.status, type: answer.type }).toEqual({ status: 200, type: 'text/plain; version=0.0.4; charset=utf-8' });
  return new Scrape(answer.text);
}

/** The samples of one exposition text (Prometheus text format 0.0.4). */
export class Scrape {
  readonly samples: Sample[];

  constructor(readonly text: string) {
    this.samples = text.split('\n').flatMap((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) return [];
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => [name, value]));
      return [{ name: match[1], labels, value: Number(match[3]) }];
    });
  }

  /** The value of the series with exactly these labels; undefined when it is not there. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const wanted = JSON.stringify(Object.entries(labels).sort());
    return this.samples.find((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted)?.value;
  }

  /** Every series of `name`. */
  series(name: string): Sample[] {
    return this.samples.filter((sample) => sample.name === name);
  }

  /** How much a series grew since `before`; a series not yet there counts from 0. */
  since(before: Scrape, name: string, labels: Record<string, string> = {}): number {
    return (this.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);
  }
}
