import type { BenchAdapter } from '../bench.constants.js';
import {
  BASELINE_ROW_ID,
  BENCH_ROWS,
  PENDING_TARGETS,
  rowById,
  type BenchRow,
  type RowId,
} from '../bench-rows.js';
import type { BenchConfig } from './bench-config.js';
import type { MeasuredLoad } from './load.js';
import type { MemorySample, StormSample } from './phases.js';
import { median } from './stats.js';

/** One measured row in one round. */
export interface RowRoundSample {
  round: number;
  adapter: BenchAdapter;
  rowId: RowId;
  result: MeasuredLoad;
  /** The unprotected GET measured on the same server right before this row (paired runs). */
  baseline?: MeasuredLoad;
}

/** One login storm in one round. */
export interface StormRoundSample {
  round: number;
  adapter: BenchAdapter;
  sample: StormSample;
}

/** Where and on what a run happened. */
export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  threadpoolSize: number;
}

/** Everything a run measured, before any summarising: the result file keeps all of it. */
export interface BenchRun {
  startedAt: string;
  finishedAt: string;
  commit: string;
  machine: MachineInfo;
  config: Omit<BenchConfig, 'skip'> & { skip: string[] };
  rowSamples: RowRoundSample[];
  stormSamples: StormRoundSample[];
  memory: MemorySample[];
}

/** Medians of one row on one adapter. */
export interface RowSummary {
  adapter: BenchAdapter;
  rowId: RowId;
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * Median over rounds of this row's requests/s over the unprotected GET's: the one measured right
   * before it in paired runs, else the round's unprotected row.
   */
  ratio: number;
  cpuMicrosPerRequest: number;
  /** Median over rounds of this row's CPU per request minus the unprotected GET's, paired alike. */
  cpuAddedMicros: number;
  failed: number;
}

/** Medians of the login storm on one adapter. */
export interface StormSummary {
  adapter: BenchAdapter;
  loginsPerSecond: number;
  rawVerifiesPerSecond: number;
  /** Median over rounds of logins/s over raw verifies/s, same round. */
  ratio: number;
  loginP99Ms: number;
  probeP50Ms: number;
  probeP99Ms: number;
  /** The slowest probe of all rounds: a stall shows here first. */
  probeMaxMs: number;
  /** The server's event-loop delay p99 during the storm, and the worst of all rounds. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuMicrosPerLogin: number;
  failed: number;
}

/** One issue-8 target and how this run did; `met` is null when the row does not exist yet. */
export interface TargetVerdict {
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchSummary {
  rows: RowSummary[];
  storm: StormSummary[];
  targets: TargetVerdict[];
}

/** Reduces the samples of a run to the medians and target verdicts the report shows. */
export function summarise(run: BenchRun): BenchSummary {
  const rows: RowSummary[] = [];
  for (const adapter of run.config.adapters) {
    for (const rowId of run.config.rowIds) {
      rows.push(summariseRow(run.rowSamples, adapter, rowById(rowId)));
    }
  }
  const storm = run.config.adapters
    .map((adapter) => summariseStorm(run.stormSamples, adapter))
    .filter((summary): summary is StormSummary => summary !== undefined);
  return { rows, storm, targets: judgeTargets(run, rows, storm) };
}

/**
 * The unprotected GET a sample is compared with: the one measured right before it (paired runs), else
 * the unprotected row of its adapter and round.
 */
function baselineOf(
  samples: readonly RowRoundSample[],
  sample: RowRoundSample,
): MeasuredLoad | undefined {
  return (
    sample.baseline ??
    samples.find(
      (s) =>
        s.adapter === sample.adapter && s.round === sample.round && s.rowId === BASELINE_ROW_ID,
    )?.result
  );
}

function summariseRow(
  samples: readonly RowRoundSample[],
  adapter: BenchAdapter,
  row: BenchRow,
): RowSummary {
  const mine = samples.filter((s) => s.adapter === adapter && s.rowId === row.id);
  const paired = mine.map((s) => ({ row: s.result, baseline: baselineOf(samples, s) }));
  return {
    adapter,
    rowId: row.id as RowId,
    label: row.label,
    requestsPerSecond: median(mine.map((s) => s.result.requestsPerSecond)),
    p50Ms: median(mine.map((s) => s.result.p50Ms)),
    p99Ms: median(mine.map((s) => s.result.p99Ms)),
    ratio: median(
      paired.map((p) => p.row.requestsPerSecond / (p.baseline?.requestsPerSecond ?? NaN)),
    ),
    cpuMicrosPerRequest: median(mine.map((s) => s.result.cpuMicrosPerRequest)),
    cpuAddedMicros: median(
      paired.map((p) => p.row.cpuMicrosPerRequest - (p.baseline?.cpuMicrosPerRequest ?? NaN)),
    ),
    failed: mine.reduce((sum, s) => sum + s.result.failed, 0),
  };
}

function summariseStorm(
  samples: readonly StormRoundSample[],
  adapter: BenchAdapter,
): StormSummary | undefined {
  const mine = samples.filter((s) => s.adapter === adapter).map((s) => s.sample);
  if (mine.length === 0) return undefined;
  return {
    adapter,
    loginsPerSecond: median(mine.map((s) => s.logins.requestsPerSecond)),
    rawVerifiesPerSecond: median(mine.map((s) => s.rawArgon2.perSecond)),
    ratio: median(mine.map((s) => s.logins.requestsPerSecond / s.rawArgon2.perSecond)),
    loginP99Ms: median(mine.map((s) => s.logins.p99Ms)),
    probeP50Ms: median(mine.map((s) => s.probe.p50Ms)),
    probeP99Ms: median(mine.map((s) => s.probe.p99Ms)),
    probeMaxMs: Math.max(...mine.map((s) => s.probe.maxMs)),
    loopDelayP99Ms: median(mine.map((s) => s.eventLoopDelay.p99Ms)),
    loopDelayMaxMs: Math.max(...mine.map((s) => s.eventLoopDelay.maxMs)),
    cpuMicrosPerLogin: median(mine.map((s) => s.logins.cpuMicrosPerRequest)),
    failed: mine.reduce((sum, s) => sum + s.logins.failed + s.probe.failed, 0),
  };
}

/** Issue 8: where auth cost shows most, so the cross-row and storm targets are judged there. */
const TARGET_ADAPTER: BenchAdapter = 'fastify';
const STORM_MIN_RATIO = 0.8;
const STORM_MAX_PROBE_P99_MS = 50;

function judgeTargets(
  run: BenchRun,
  rows: readonly RowSummary[],
  storm: readonly StormSummary[],
): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const summaryOf = (adapter: BenchAdapter, rowId: string) =>
    rows.find((r) => r.adapter === adapter && r.rowId === rowId);
  for (const row of BENCH_ROWS as readonly BenchRow[]) {
    const targets = row.targets;
    if (!targets) continue;
    for (const [adapter, min] of Object.entries(targets.minRatio ?? {})) {
      const summary = summaryOf(adapter as BenchAdapter, row.id);
      if (!summary || min === undefined) continue;
      verdicts.push({
        target: `${adapterName(summary.adapter)}: ${row.id} >= ${min.toFixed(2)} of unprotected`,
        measured: summary.ratio.toFixed(2),
        met: summary.ratio >= min,
      });
    }
    for (const other of targets.beats?.rows ?? []) {
      const factor = perRoundFactor(run.rowSamples, TARGET_ADAPTER, row.id, other);
      if (Number.isNaN(factor)) continue;
      verdicts.push({
        target: `${adapterName(TARGET_ADAPTER)}: ${row.id} >= ${targets.beats!.factor}x ${other}`,
        measured: `${factor.toFixed(1)}x`,
        met: factor >= targets.beats!.factor,
      });
    }
  }
  const stormHere = storm.find((s) => s.adapter === TARGET_ADAPTER);
  if (stormHere) {
    verdicts.push(
      {
        target: `${adapterName(TARGET_ADAPTER)}: login storm >= ${STORM_MIN_RATIO} of raw argon2id verifies/s`,
        measured: stormHere.ratio.toFixed(2),
        met: stormHere.ratio >= STORM_MIN_RATIO,
      },
      {
        target: `${adapterName(TARGET_ADAPTER)}: unprotected GET p99 during the storm < ${STORM_MAX_PROBE_P99_MS} ms`,
        measured: `${stormHere.probeP99Ms.toFixed(1)} ms`,
        met: stormHere.probeP99Ms < STORM_MAX_PROBE_P99_MS,
      },
    );
  }
  for (const pending of PENDING_TARGETS) {
    verdicts.push({ target: pending, measured: 'row not built yet', met: null });
  }
  return verdicts;
}

function perRoundFactor(
  samples: readonly RowRoundSample[],
  adapter: BenchAdapter,
  rowId: string,
  otherId: string,
): number {
  const rounds = new Set(samples.map((s) => s.round));
  const factors = [...rounds].map((round) => {
    // Each row over its own baseline, so that the two rows' factor carries no drift between them.
    const relative = (id: string) => {
      const sample = samples.find(
        (s) => s.adapter === adapter && s.round === round && s.rowId === id,
      );
      if (!sample) return NaN;
      return (
        sample.result.requestsPerSecond / (baselineOf(samples, sample)?.requestsPerSecond ?? NaN)
      );
    };
    return relative(rowId) / relative(otherId);
  });
  return median(factors);
}

function slowRowNote(config: BenchRun['config']): string {
  const slow = config.rowIds.map(rowById).filter((row) => row.slowConnections !== undefined);
  return slow.map((row) => `${row.slowConnections} for ${row.id}`).join(', ') || 'every row';
}

function adapterName(adapter: BenchAdapter): string {
  return adapter === 'fastify' ? 'Fastify' : 'Express';
}

const integer = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/**
 * A run whose unprotected GET moved by more than this (max minus min over the median) cannot tell a
 * row's cost from the machine's mood: its target verdicts are printed with a warning.
 */
const NOISY_BASELINE_SPREAD = 0.15;

interface BaselineSpread {
  adapter: BenchAdapter;
  count: number;
  min: number;
  median: number;
  max: number;
  /** (max - min) / median of the CPU per request. */
  spread: number;
}

/**
 * How much the unprotected GET itself moved during the run: every measurement of it (its own rows
 * and, in paired runs, the one before every other row). On a quiet machine they agree within a few
 * per cent; a ratio that differs from 1 by less than this spread says nothing.
 */
function baselineSpreads(run: BenchRun): BaselineSpread[] {
  return run.config.adapters.map((adapter) => {
    const cpu = run.rowSamples
      .filter((s) => s.adapter === adapter)
      .flatMap((s) => [s.rowId === BASELINE_ROW_ID ? s.result : undefined, s.baseline])
      .filter((load): load is MeasuredLoad => load !== undefined)
      .map((load) => load.cpuMicrosPerRequest);
    const middle = median(cpu);
    const [min, max] = [Math.min(...cpu), Math.max(...cpu)];
    return { adapter, count: cpu.length, min, median: middle, max, spread: (max - min) / middle };
  });
}

/** The report as markdown: the README's Performance section pastes these tables. */
export function renderMarkdown(run: BenchRun, summary: BenchSummary): string {
  const { config, machine } = run;
  const lines: string[] = [];
  lines.push(
    `Run ${run.startedAt.slice(0, 10)} (${config.mode}), commit ${run.commit}: ${machine.cpus} vCPU ` +
      `${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, Linux ${machine.kernel}, ` +
      `libuv threadpool ${machine.threadpoolSize}.`,
    '',
    `Medians of ${config.rounds} interleaved rounds; ${config.connections} connections ` +
      `(${slowRowNote(config)}), ${config.durationSeconds} s per row after ` +
      `${config.warmupRequests.toLocaleString('en-US')} warm-up requests. Ratio and ` +
      (config.pairedBaseline
        ? 'added CPU compare each row with the unprotected GET measured on the same server right ' +
          'before it (paired), so drift of the machine between rows cancels out. '
        : 'added CPU compare each row with the unprotected row of the same adapter and round. ') +
      'CPU is the server process (all threads) per answered request.',
    '',
    '| adapter | row | req/s | p50 ms | p99 ms | ratio | CPU µs/req | CPU added µs/req |',
    '| --- | --- | --: | --: | --: | --: | --: | --: |',
  );
  for (const row of summary.rows) {
    lines.push(
      `| ${adapterName(row.adapter)} | ${row.label} | ${integer(row.requestsPerSecond)} | ` +
        `${fixed(row.p50Ms, 1)} | ${fixed(row.p99Ms, 1)} | ${fixed(row.ratio, 2)} | ` +
        `${integer(row.cpuMicrosPerRequest)} | ${row.rowId === BASELINE_ROW_ID ? '' : integer(row.cpuAddedMicros)} |`,
    );
  }
  const foreign = run.rowSamples.map((sample) => sample.result.foreignCores);
  lines.push(
    '',
    `Other processes on the machine used a median of ${fixed(median(foreign), 2)} cores ` +
      `(at most ${fixed(Math.max(...foreign), 2)}) while rows were measured.`,
  );
  const spreads = baselineSpreads(run);
  lines.push(
    '',
    ...spreads.map(
      (b) =>
        `${adapterName(b.adapter)}: the unprotected GET, measured ${b.count} times, cost ` +
        `${integer(b.min)} to ${integer(b.max)} µs of CPU a request ` +
        `(median ${integer(b.median)}, spread ${fixed(b.spread * 100, 0)}% of it).`,
    ),
  );
  const failing = summary.rows.filter((row) => row.failed > 0);
  if (failing.length > 0) {
    lines.push(
      '',
      `**Warning:** non-2xx answers or socket errors in ${failing
        .map((row) => `${row.adapter} ${row.rowId} (${row.failed})`)
        .join(', ')}.`,
    );
  }
  const failingStorms = summary.storm.filter((storm) => storm.failed > 0);
  if (failingStorms.length > 0) {
    lines.push(
      '',
      `**Warning:** non-2xx answers or socket errors in the login storm: ${failingStorms
        .map((storm) => `${storm.adapter} (${storm.failed})`)
        .join(', ')}.`,
    );
  }
  if (summary.storm.length > 0) {
    lines.push(
      '',
      `Login storm (medians of ${config.stormRounds} rounds): \`POST /auth/login\` with ` +
        `${config.connections} connections for ${config.stormSeconds} s, next to raw argon2id verifies of the same hash on the same ` +
        `threadpool, and an unprotected GET at ${config.probe.requestsPerSecond} req/s meanwhile ` +
        '(timed from when each was due, every one waited for).',
      '',
      '| adapter | logins/s | raw argon2id verifies/s | ratio | login p99 ms | GET p50 / p99 / max ms during storm | event-loop delay p99 / max ms | CPU µs/login |',
      '| --- | --: | --: | --: | --: | --: | --: | --: |',
    );
    for (const storm of summary.storm) {
      lines.push(
        `| ${adapterName(storm.adapter)} | ${fixed(storm.loginsPerSecond, 1)} | ` +
          `${fixed(storm.rawVerifiesPerSecond, 1)} | ${fixed(storm.ratio, 2)} | ` +
          `${integer(storm.loginP99Ms)} | ${fixed(storm.probeP50Ms, 1)} / ` +
          `${fixed(storm.probeP99Ms, 1)} / ${fixed(storm.probeMaxMs, 0)} | ` +
          `${fixed(storm.loopDelayP99Ms, 1)} / ${fixed(storm.loopDelayMaxMs, 0)} | ` +
          `${integer(storm.cpuMicrosPerLogin)} |`,
      );
    }
  }
  if (run.memory.length > 0) {
    lines.push(
      '',
      'Memory: a fresh server verifies distinct valid access tokens (one request each, spread over ' +
        `${config.memoryUsers.toLocaleString('en-US')} users) on the \`${run.memory[0].rowId}\` row.`,
      '',
      '| adapter | tokens verified | RSS before | RSS after | RSS after GC | live heap before | live heap after GC |',
      '| --- | --: | --: | --: | --: | --: | --: |',
    );
    for (const memory of run.memory) {
      lines.push(
        `| ${adapterName(memory.adapter)} | ${memory.ok.toLocaleString('en-US')} | ` +
          `${mebibytes(memory.rssBeforeBytes)} | ${mebibytes(memory.rssAfterBytes)} | ` +
          `${mebibytes(memory.rssAfterGcBytes)} | ${mebibytes(memory.heapUsedBeforeBytes)} | ` +
          `${mebibytes(memory.heapUsedAfterGcBytes)} |`,
      );
    }
  }
  lines.push('', 'Issue-8 targets:');
  const noisy = spreads.filter((b) => b.spread > NOISY_BASELINE_SPREAD);
  if (noisy.length > 0) {
    lines.push(
      '',
      `**Not evidence:** the unprotected GET moved by more than ${NOISY_BASELINE_SPREAD * 100}% ` +
        `during this run (${noisy.map((b) => adapterName(b.adapter)).join(', ')}), more than the ` +
        'differences these targets judge. Rerun on a quieter machine before reading the verdicts.',
    );
  }
  lines.push('', '| target | measured | met |', '| --- | --: | --- |');
  for (const verdict of summary.targets) {
    const met = verdict.met === null ? 'not measured' : verdict.met ? 'yes' : '**no**';
    lines.push(`| ${verdict.target} | ${verdict.measured} | ${met} |`);
  }
  return `${lines.join('\n')}\n`;
}
