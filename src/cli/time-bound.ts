import { InvalidArgumentError } from 'commander';

const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const duration = /^(\d+)([smhd])$/;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * `--since` / `--until` as the API takes them: a duration back from now (`30m`, `2h`, `7d`) becomes a
 * date-time, computed once so that every request of a command uses the same moment; a date or a date-time
 * with its offset passes as written. Anything else is a usage error (exit 2) before any request.
 */
export function parseTimeBound(value: string): string {
  const relative = duration.exec(value);
  if (relative) return new Date(Date.now() - Number(relative[1]) * unitMs[relative[2] as keyof typeof unitMs]).toISOString();
  if ((isoDate.test(value) || isoDateTime.test(value)) && !Number.isNaN(Date.parse(value))) return value;
  throw new InvalidArgumentError('Give a duration back from now (30m, 2h, 7d) or a date (2026-05-01) or date-time with offset (2026-05-01T08:00:00Z).');
}
