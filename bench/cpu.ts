import { readdirSync, readFileSync } from 'node:fs';

/** Every process's name and CPU time so far (user + system, µs), by pid, and the machine's busy time (user, nice, system, irq, softirq); Linux only. */
export interface CpuSnapshot {
  processes: Map<string, { name: string; micros: number }>;
  machine: number;
}

const ticksToMicros = (ticks: string) => (Number(ticks) / 100) * 1e6;

export function cpuSnapshot(): CpuSnapshot {
  const processes = new Map<string, { name: string; micros: number }>();
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      processes.set(pid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), micros: ticksToMicros(fields[11]) + ticksToMicros(fields[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/);
  return { processes, machine: [1, 2, 3, 6, 7].reduce((sum, index) => sum + ticksToMicros(cpu[index]), 0) };
}

/** CPU (µs) the selected processes used between two snapshots; a process that ended in between is left out rather than counted negative. */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot, select: (pid: string, name: string) => boolean): number {
  return [...after.processes].filter(([pid, { name }]) => select(pid, name)).reduce((sum, [pid, { micros }]) => sum + micros - (before.processes.get(pid)?.micros ?? 0), 0);
}

/** Selects processes by pid or by name, for `withCpu`. */
export const byPid = (pid: number | undefined) => (processPid: string) => processPid === String(pid);
export const byName = (name: string) => (_: string, processName: string) => processName === name;

/**
 * Runs `work` and answers its result with a line of CPU per item (µs) while it ran: the whole machine, then each
 * of `parts` (a label and which processes it covers), then "other".
 */
export async function withCpu<T>(work: () => Promise<T>, items: number, parts: Record<string, (pid: string, name: string) => boolean>): Promise<{ result: T; cpu: string }> {
  const before = cpuSnapshot();
  const result = await work();
  const after = cpuSnapshot();
  const per = (micros: number) => (micros / items).toFixed(0);
  const split = Object.entries(parts).map(([label, select]) => `${label} ${per(cpuUsed(before, after, select))}`);
  return { result, cpu: `CPU µs per item: machine ${per(after.machine - before.machine)} = ${split.join(' + ')} + other` };
}
