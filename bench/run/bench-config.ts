import { parseArgs } from 'node:util';
import { BENCH_ADAPTERS, type BenchAdapter } from '../bench.constants.js';
import { BASELINE_ROW_ID, BENCH_ROWS, type RowId } from '../bench-rows.js';

/** Phases that can be left out of a run with `--skip`. */
export const OPTIONAL_PHASES = ['storm', 'memory'] as const;
export type OptionalPhase = (typeof OPTIONAL_PHASES)[number];

/** Everything a run does, decided once from the command line. */
export interface BenchConfig {
  mode: 'full' | 'quick';
  rounds: number;
  /** Requests sent before each measurement, so JIT and pools are warm (a count, not a time). */
  warmupRequests: number;
  /** Whole seconds: autocannon rounds shorter runs up to one second. */
  durationSeconds: number;
  /**
   * Measure the unprotected GET again right before every other row, on the same server, and compare
   * the row with that measurement: drift of a shared machine over minutes then cancels out of the
   * ratio. Full runs do; quick runs, whose budget is two minutes, compare with the round's own
   * unprotected row.
   */
  pairedBaseline: boolean;
  /** Connections for every row and for the login storm. */
  connections: number;
  stormSeconds: number;
  /** Rounds that end with a login storm: the storm is the slowest phase, so quick runs do one. */
  stormRounds: number;
  /** The unprotected GET that runs beside the storm: a steady trickle, not a second load. */
  probe: { requestsPerSecond: number };
  memoryTokens: number;
  memoryUsers: number;
  adapters: BenchAdapter[];
  rowIds: RowId[];
  skip: Set<OptionalPhase>;
  /** Profile one row with `node --cpu-prof` instead of running the benchmark. */
  profileRowId?: RowId;
}

// Rows are paired with a baseline measurement of the same length, so 5 s per row keeps a full run
// near the quarter of an hour that 10 s unpaired rows took.
const FULL = {
  rounds: 3,
  warmupRequests: 5_000,
  durationSeconds: 5,
  stormSeconds: 10,
  memoryTokens: 100_000,
  memoryUsers: 1_000,
};

// Sized so the whole quick run, build included, stays under two minutes on a 2-vCPU machine.
const QUICK = {
  rounds: 3,
  warmupRequests: 300,
  durationSeconds: 1,
  stormSeconds: 1,
  memoryTokens: 2_000,
  memoryUsers: 50,
};

export const USAGE = `npm run bench -- [options]
  --quick               smoke run, under two minutes, one login storm (results go to bench/results/tmp/)
  --rounds N            rounds of every row (default 3; medians are reported)
  --duration S          whole seconds per measured row (default 5, quick 1)
  --unpaired            compare rows with the round's unprotected row only (quick runs always do)
  --rows a,b            only these rows (the unprotected row is always added)
  --adapters a,b        fastify, express (default both)
  --skip storm,memory   leave out the login storm or the memory check
  --profile ROW         run ROW under node --cpu-prof on the first adapter and summarise the profile
  --help`;

/** Parses the runner's command line. */
export function parseBenchConfig(argv: string[]): BenchConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      unpaired: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      rows: { type: 'string' },
      adapters: { type: 'string' },
      skip: { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const preset = values.quick ? QUICK : FULL;
  const rounds = values.rounds ? positive(values.rounds, '--rounds') : preset.rounds;
  const knownRows = BENCH_ROWS.map((row) => row.id) as RowId[];
  const rowIds = values.rows ? pickList(values.rows, knownRows, '--rows') : [...knownRows];
  if (!rowIds.includes(BASELINE_ROW_ID)) rowIds.unshift(BASELINE_ROW_ID);
  const profileRowId = values.profile
    ? pickList(values.profile, knownRows, '--profile')[0]
    : undefined;
  return {
    mode: values.quick ? 'quick' : 'full',
    ...preset,
    rounds,
    stormRounds: values.quick ? 1 : rounds,
    pairedBaseline: !values.quick && !values.unpaired,
    durationSeconds: values.duration
      ? Math.ceil(positive(values.duration, '--duration'))
      : preset.durationSeconds,
    connections: 50,
    probe: { requestsPerSecond: 100 },
    adapters: values.adapters
      ? pickList(values.adapters, [...BENCH_ADAPTERS], '--adapters')
      : [...BENCH_ADAPTERS],
    rowIds,
    skip: new Set(values.skip ? pickList(values.skip, [...OPTIONAL_PHASES], '--skip') : []),
    profileRowId,
  };
}

function pickList<T extends string>(raw: string, allowed: readonly T[], flag: string): T[] {
  const picked = raw.split(',').map((item) => item.trim());
  const unknown = picked.filter((item) => !allowed.includes(item as T));
  if (unknown.length > 0) {
    throw new Error(`${flag}: unknown ${unknown.join(', ')}; known: ${allowed.join(', ')}`);
  }
  return picked as T[];
}

function positive(raw: string, flag: string): number {
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${flag} must be a positive number, got ${raw}`);
  return value;
}
