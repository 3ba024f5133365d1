import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_CONTROL } from '../bench.constants.js';
import { rowById, type RowId } from '../bench-rows.js';
import type { BenchConfig } from './bench-config.js';
import { BenchServer } from './bench-server.js';
import { summariseCpuProfile } from './cpu-profile-summary.js';
import { checkRows, measureRow, type Credentials } from './phases.js';

/**
 * Loads one row on a server started under `node --cpu-prof`, then summarises where its CPU went.
 * The profile covers boot too; boot is a few hundred ms against seconds of load, and the
 * summary's shares are dominated by the loaded route.
 */
export async function profileRow(config: BenchConfig, rowId: RowId, outDir: string): Promise<void> {
  const adapter = config.adapters[0];
  const row = rowById(rowId);
  const dir = join(outDir, 'profiles');
  mkdirSync(dir, { recursive: true });
  const name = `${row.id}-${adapter}-${Date.now()}.cpuprofile`;
  const server = await BenchServer.start({
    adapter,
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`],
  });
  let measured;
  try {
    const credentials = await server.getJson<Credentials>(BENCH_CONTROL.credentials);
    await checkRows(server, [row], credentials);
    measured = await measureRow(server, row, credentials, config);
  } finally {
    await server.stop();
  }
  if (!readdirSync(dir).includes(name)) throw new Error(`no profile written to ${dir}`);
  const summary = [
    `${adapter} ${row.id}: ${Math.round(measured.requestsPerSecond)} req/s, ` +
      `${Math.round(measured.cpuMicrosPerRequest)} µs CPU/req (under the profiler: slower than a normal run)`,
    summariseCpuProfile(join(dir, name), config.warmupRequests + measured.ok),
  ].join('\n\n');
  writeFileSync(join(dir, `${name}.txt`), `${summary}\n`);
  process.stdout.write(`${summary}\n`);
}
