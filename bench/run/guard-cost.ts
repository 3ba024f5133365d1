import 'reflect-metadata';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import type { CanActivate, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BenchAppModule } from '../app/bench-app.module.js';
import { BenchCredentialsService } from '../app/bench-credentials.service.js';
import { rowControllers } from '../app/row-controllers.js';
import { BENCH_ROWS, type BenchRow } from '../bench-rows.js';
import { median } from './stats.js';

/**
 * What each row's guards cost in process, per request, called the way Nest calls them: a fresh
 * execution context per request, the route's guards in order, a promise awaited only when a guard
 * answers with one. No socket, no HTTP parser, no load generator: on a shared machine whose loopback
 * runs move by tens of µs between minutes, this moves by tens of ns, so it shows what a change to the
 * library itself did. It is not what a request costs in a server, where the guard's code and data are
 * cold again at every request (there the same guard costs several times more).
 *
 * Run with `npm run bench:guards`.
 */

/** Rows whose every call costs milliseconds (argon2id) are left out: they are not about guard code. */
const SKIPPED: ReadonlySet<string> = new Set(['portcullis-basic']);
const ROUNDS = 9;
/** Each round calls the guards for at least this long (and at least once). */
const ROUND_MS = 150;

interface GuardCost {
  id: string;
  label: string;
  nanosecondsPerRequest: number;
  /** True when every guard of the route answered without a promise. */
  synchronous: boolean;
}

async function main(): Promise<void> {
  const app = await NestFactory.create(BenchAppModule, new FastifyAdapter(), { logger: false });
  await app.init();
  try {
    const credentials = await app.get(BenchCredentialsService).headers();
    // One controller per row, in the row table's order.
    const controllers = rowControllers();
    const costs: GuardCost[] = [];
    for (const [index, row] of BENCH_ROWS.entries()) {
      if (SKIPPED.has(row.id)) continue;
      const controller = controllers[index];
      const headers = row.credential ? credentials[row.credential] : {};
      costs.push(await measureRow(app, row, controller, headers));
    }
    const noop = costs.find((cost) => cost.id === 'noop-guard')!.nanosecondsPerRequest;
    process.stdout.write(`${report(costs, noop)}\n`);
  } finally {
    await app.close();
  }
}

/** The guards Nest runs for a row's route: the controller's, then the handler's. */
function guardsOf(app: INestApplication, controller: Type): CanActivate[] {
  const handler = controller.prototype.handle as object;
  const types = [
    ...((Reflect.getMetadata(GUARDS_METADATA, controller) as Type<CanActivate>[]) ?? []),
    ...((Reflect.getMetadata(GUARDS_METADATA, handler) as Type<CanActivate>[]) ?? []),
  ];
  return types.map((type) => app.get(type, { strict: false }));
}

async function measureRow(
  app: INestApplication,
  row: BenchRow,
  controller: Type,
  headers: Record<string, string>,
): Promise<GuardCost> {
  const guards = guardsOf(app, controller);
  const handler = controller.prototype.handle as (...args: unknown[]) => unknown;
  // Guards touch the response only to refuse, which this run treats as an error.
  const response = {};
  let promises = 0;
  const once = async (): Promise<void> => {
    // The request as Fastify hands it to Nest, with the headers the load generator sends.
    const request = {
      headers: { host: '127.0.0.1', connection: 'keep-alive', ...headers },
      method: 'GET',
      url: row.path,
      user: undefined,
      authInfo: undefined,
    };
    const context = new ExecutionContextHost(
      [request, response, () => undefined],
      controller,
      handler,
    );
    context.setType('http');
    for (const guard of guards) {
      let answer = guard.canActivate(context);
      if (typeof answer !== 'boolean') {
        promises += 1;
        answer = await (answer as Promise<boolean>);
      }
      if (answer !== true) throw new Error(`${row.id}: a guard refused the request`);
    }
  };
  // The first calls fill the caches (a token's signature, the user) as a client's first request does.
  for (let i = 0; i < 1_000; i++) await once();
  const promisesWhileWarming = promises;
  const perRound: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < BigInt(ROUND_MS) * 1_000_000n) {
      for (let i = 0; i < 1_000; i++) await once();
      calls += 1_000;
      elapsed = process.hrtime.bigint() - start;
    }
    perRound.push(Number(elapsed) / calls);
    // Let timers run (the revocation registry's reads), as they would between requests.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    id: row.id,
    label: row.label,
    nanosecondsPerRequest: median(perRound),
    synchronous: promises === promisesWhileWarming,
  };
}

function report(costs: GuardCost[], noop: number): string {
  const lines = [
    `In-process cost of each row's guards on Fastify, ${process.version}: median of ${ROUNDS} rounds.`,
    '',
    '| row | ns/request | over the no-op guard | answered without a promise |',
    '| --- | --: | --: | --- |',
  ];
  for (const cost of costs) {
    const over =
      cost.id === 'unprotected' || cost.id === 'noop-guard'
        ? ''
        : Math.round(cost.nanosecondsPerRequest - noop).toLocaleString('en-US');
    lines.push(
      `| ${cost.label} | ${Math.round(cost.nanosecondsPerRequest).toLocaleString('en-US')} | ${over} | ${cost.synchronous ? 'yes' : 'no'} |`,
    );
  }
  return lines.join('\n');
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
