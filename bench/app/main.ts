import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { BENCH_ADAPTERS, type BenchAdapter } from '../bench.constants.js';
import { BenchAppModule } from './bench-app.module.js';

/**
 * The bench server: one process per adapter, logging off, on a free loopback port. It announces
 * itself with one JSON line on stdout, which the runner waits for.
 */
async function serve(adapter: BenchAdapter): Promise<void> {
  // Logging off: a log line per request would be measured instead of authentication.
  const app: INestApplication =
    adapter === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(BenchAppModule, new FastifyAdapter(), {
          logger: false,
        })
      : await NestFactory.create(BenchAppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ ready: true, adapter, port, pid: process.pid })}\n`);

  // A clean exit is what makes `node --cpu-prof` write its profile.
  process.once('SIGTERM', () => {
    void app.close().finally(() => process.exit(0));
  });
}

const adapter = process.env.BENCH_ADAPTER as BenchAdapter;
if (!BENCH_ADAPTERS.includes(adapter)) {
  process.stderr.write(`BENCH_ADAPTER must be one of ${BENCH_ADAPTERS.join(', ')}\n`);
  process.exit(2);
}
void serve(adapter);
