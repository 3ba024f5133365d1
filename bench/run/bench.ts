import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CONTROL, type BenchAdapter } from '../bench.constants.js';
import { BASELINE_ROW_ID, rowById, type RowId } from '../bench-rows.js';
import { parseBenchConfig, USAGE, type BenchConfig } from './bench-config.js';
import { BenchServer } from './bench-server.js';
import { checkRows, loginStorm, measureRow, memoryCheck, type Credentials } from './phases.js';
import { profileRow } from './profile-row.js';
import {
  renderMarkdown,
  summarise,
  type BenchRun,
  type MachineInfo,
  type RowRoundSample,
  type StormRoundSample,
} from './report.js';

/**
 * Warm-up before a paired baseline measurement: the unprotected route is warm from its own row, this
 * only brings the server back to it after the previous row.
 */
const PAIRED_WARMUP_REQUESTS = 1_000;

/** bench/results, whether this file runs from bench/dist/run or is read in its source folder. */
const RESULTS_DIR = fileURLToPath(new URL('../../results/', import.meta.url));

/**
 * Runs every row on every adapter, round after round, each round in a different order so that
 * drift of a noisy machine (thermal, neighbours) spreads over all rows instead of landing on one.
 */
async function runBenchmark(config: BenchConfig): Promise<BenchRun> {
  const startedAt = new Date().toISOString();
  const rowSamples: RowRoundSample[] = [];
  const stormSamples: StormRoundSample[] = [];
  const rows = config.rowIds.map(rowById);
  const baselineRow = rowById(BASELINE_ROW_ID);
  // Both servers stay up for the whole run; the one not being loaded is idle and costs nothing.
  const servers = new Map<BenchAdapter, { server: BenchServer; credentials: Credentials }>();
  try {
    for (const adapter of config.adapters) {
      const server = await BenchServer.start({ adapter });
      const credentials = await server.getJson<Credentials>(BENCH_CONTROL.credentials);
      servers.set(adapter, { server, credentials });
      await checkRows(server, rows, credentials);
    }
    for (let round = 0; round < config.rounds; round++) {
      for (const adapter of rotate(config.adapters, round)) {
        const { server, credentials } = servers.get(adapter)!;
        for (const row of rotate(rows, round)) {
          const baseline =
            config.pairedBaseline && row.id !== BASELINE_ROW_ID
              ? await measureRow(server, baselineRow, credentials, config, PAIRED_WARMUP_REQUESTS)
              : undefined;
          const result = await measureRow(server, row, credentials, config);
          rowSamples.push({ round, adapter, rowId: row.id as RowId, result, baseline });
          progress(
            `round ${round + 1}/${config.rounds} ${adapter} ${row.id}: ` +
              `${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms, ` +
              `${Math.round(result.cpuMicrosPerRequest)} µs CPU/req` +
              (baseline
                ? ` (unprotected just before: ${Math.round(baseline.cpuMicrosPerRequest)} µs, ` +
                  `ratio ${(result.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)})`
                : '') +
              (result.foreignCores > 0.2
                ? `, others used ${result.foreignCores.toFixed(1)} cores`
                : '') +
              (result.failed ? `, ${result.failed} FAILED` : ''),
          );
        }
        if (!config.skip.has('storm') && round < config.stormRounds) {
          const sample = await loginStorm(server, config);
          stormSamples.push({ round, adapter, sample });
          progress(
            `round ${round + 1}/${config.rounds} ${adapter} login storm: ` +
              `${sample.logins.requestsPerSecond.toFixed(1)} logins/s vs ` +
              `${sample.rawArgon2.perSecond.toFixed(1)} raw verifies/s, ` +
              `GET p99 ${sample.probe.p99Ms.toFixed(1)} ms (max ${sample.probe.maxMs.toFixed(0)}), ` +
              `event-loop delay p99 ${sample.eventLoopDelay.p99Ms.toFixed(1)} ms` +
              (sample.logins.failed ? `, ${sample.logins.failed} logins FAILED` : ''),
          );
        }
      }
    }
  } finally {
    await Promise.all([...servers.values()].map(({ server }) => server.stop()));
  }
  const memory = [];
  if (!config.skip.has('memory')) {
    for (const adapter of config.adapters) {
      const sample = await memoryCheck(adapter, config);
      memory.push(sample);
      progress(
        `memory ${adapter}: ${sample.ok} tokens, RSS ${mib(sample.rssBeforeBytes)} -> ` +
          `${mib(sample.rssAfterBytes)} MiB, live heap after GC ${mib(sample.heapUsedAfterGcBytes)} MiB`,
      );
    }
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    commit: commitUnderTest(),
    machine: machineInfo(),
    config: { ...config, skip: [...config.skip] },
    rowSamples,
    stormSamples,
    memory,
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

const runnerStarted = Date.now();

function progress(line: string): void {
  const elapsed = ((Date.now() - runnerStarted) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${elapsed} s] ${line}\n`);
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.versions.node,
    kernel: release(),
    threadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  };
}

/** The commit measured, marked `+dirty` when the library or the bench differ from it. */
function commitUnderTest(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'libs/auth', 'bench') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const config = parseBenchConfig(process.argv.slice(2));
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Quick runs are smoke tests: they land beside the profiles, which git ignores.
  const outDir = config.mode === 'quick' ? join(RESULTS_DIR, 'tmp') : RESULTS_DIR;
  mkdirSync(outDir, { recursive: true });
  if (config.profileRowId) {
    await profileRow(config, config.profileRowId, join(RESULTS_DIR, 'tmp'));
    return;
  }
  const run = await runBenchmark(config);
  const summary = summarise(run);
  const markdown = renderMarkdown(run, summary);
  const stem = join(
    outDir,
    `${run.startedAt.slice(0, 10)}${config.mode === 'quick' ? '-quick' : ''}`,
  );
  writeFileSync(`${stem}.json`, `${JSON.stringify({ ...run, summary }, null, 2)}\n`);
  writeFileSync(`${stem}.md`, markdown);
  process.stdout.write(`\n${markdown}\nWrote ${stem}.json and ${stem}.md\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exit(1);
});
