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
