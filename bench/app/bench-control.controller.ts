import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as argon2 from 'argon2';
import { BENCH_USER } from '../bench.constants.js';
import { BenchCredentialsService } from './bench-credentials.service.js';

/** What the raw argon2id baseline achieved. */
export interface Argon2Baseline {
  verifies: number;
  elapsedMs: number;
  perSecond: number;
  threadpoolSize: number;
}

/** How late the event loop ran timers, over a window the runner chose. */
export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * The runner's handles on the server: credentials, token batches, the argon2 baseline and memory
 * readings. None of these routes is under load while a row is measured.
 */
@Controller('_bench')
export class BenchControlController {
  /**
   * Measured inside the server because a slow answer seen by a client may be a slow client or
   * network; a late timer here can only be a blocked event loop.
   */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly credentials: BenchCredentialsService) {
    this.loopDelay.enable();
  }

  /** Starts a new event-loop delay window. */
  @Post('event-loop/reset')
  @HttpCode(204)
  resetEventLoopDelay(): void {
    this.loopDelay.reset();
  }

  /** Event-loop delay since the last reset (the histogram counts in nanoseconds). */
  @Get('event-loop')
  eventLoopDelay(): EventLoopDelay {
    const toMs = (nanoseconds: number) => nanoseconds / 1e6;
    return {
      p50Ms: toMs(this.loopDelay.percentile(50)),
      p99Ms: toMs(this.loopDelay.percentile(99)),
      maxMs: toMs(this.loopDelay.max),
    };
  }

  @Get('credentials')
  headers() {
    return this.credentials.headers();
  }

  @Post('tokens')
  @HttpCode(200)
  async tokens(@Body() body: { count: number; users: number }): Promise<{ tokens: string[] }> {
    return { tokens: await this.credentials.distinctAccessTokens(body.count, body.users) };
  }

  /**
   * Raw argon2id verifies of the bench account's stored hash, `concurrency` at a time for
   * `durationMs`. Run inside the server so the login storm is compared with the same parameters on
   * the same libuv threadpool, not with a pool of another size in another process.
   */
  @Post('argon2')
  @HttpCode(200)
  async argon2(@Body() body: { concurrency: number; durationMs: number }): Promise<Argon2Baseline> {
    const hash = await this.credentials.storedPasswordHash();
    const started = performance.now();
    const deadline = started + body.durationMs;
    let verifies = 0;
    const verifyUntilDeadline = async () => {
      while (performance.now() < deadline) {
        if (!(await argon2.verify(hash, BENCH_USER.password))) throw new Error('verify failed');
        verifies++;
      }
    };
    await Promise.all(Array.from({ length: body.concurrency }, verifyUntilDeadline));
    const elapsedMs = performance.now() - started;
    return {
      verifies,
      elapsedMs,
      perSecond: verifies / (elapsedMs / 1000),
      threadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    };
  }

  /** `process.memoryUsage()`, after a full collection when `gc=1` and node runs with --expose-gc. */
  @Get('memory')
  memory(@Query('gc') gc?: string): NodeJS.MemoryUsage & { collected: boolean } {
    const collect = gc === '1' && typeof globalThis.gc === 'function' ? globalThis.gc : undefined;
    collect?.();
    return { ...process.memoryUsage(), collected: collect !== undefined };
  }
}
