import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times; 100 on every Linux we know, asked anyway. */
const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

const ticksToMicros = (ticks: number) => (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;

/** User plus system CPU time of a whole process (every thread), in microseconds. */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fixed fields start after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ticksToMicros(Number(fields[11]) + Number(fields[12])); // utime, stime: fields 14 and 15
}

/** Resident set size of a process, in bytes. */
export function processRssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * CPU time spent by the whole machine (all cores, every process), in microseconds. With the
 * server's and the runner's own share taken out, what is left is other work competing for the two
 * cores: the report shows it so a noisy run can be recognised as one.
 */
export function machineBusyMicros(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return ticksToMicros(user + nice + system + irq + softirq + steal);
}
