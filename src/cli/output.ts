import type { Command } from 'commander';

/** For `--json`: the value alone on stdout, so that a script can parse all of it. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

type Cell = string | number | null | undefined;

/** A missing value shows as `-`, so that every column has something to line up. */
const shown = (value: Cell) => (value === null || value === undefined || value === '' ? '-' : String(value));

/** Columns aligned with two spaces between them, as `kubectl get` prints. */
export function printTable(header: string[], rows: Cell[][]): void {
  const cells = [header, ...rows.map((row) => row.map(shown))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  for (const row of cells) process.stdout.write(`${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')}\n`);
}

/** A record as `name:  value` lines, for one thing shown in full. */
export function printFields(fields: [string, Cell][]): void {
  const width = Math.max(...fields.map(([name]) => name.length));
  for (const [name, value] of fields) process.stdout.write(`${`${name}:`.padEnd(width + 1)}  ${shown(value)}\n`);
}

/** A date-time to the second, in UTC: `2026-05-01T08:00:00Z`. */
export function shortTime(iso: string | null | undefined): string | undefined {
  return iso ? new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
}

/** `--json` is a global option, given before or after the command's own. */
export function wantsJson(command: Command): boolean {
  return Boolean(command.optsWithGlobals<{ json?: boolean }>().json);
}
