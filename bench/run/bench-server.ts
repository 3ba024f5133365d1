import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchAdapter } from '../bench.constants.js';
import { processCpuMicros, processRssBytes } from './proc-stat.js';

const SERVER_ENTRY = fileURLToPath(new URL('../app/main.js', import.meta.url));

/** How a bench server process is started. */
export interface BenchServerOptions {
  adapter: BenchAdapter;
  /** Extra node flags, e.g. `--cpu-prof` or `--expose-gc`. */
  nodeFlags?: string[];
}

/**
 * The bench app in its own process. The runner reads its CPU time and RSS from /proc instead of
 * asking it, so the measurement costs the server nothing and includes every thread (libuv pool, GC).
 */
export class BenchServer {
  private exited: Promise<void>;

  private constructor(
    readonly adapter: BenchAdapter,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(options: BenchServerOptions): Promise<BenchServer> {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), SERVER_ENTRY], {
      env: { ...process.env, NODE_ENV: 'production', BENCH_ADAPTER: options.adapter },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('bench server did not start in 60 s')),
        60_000,
      );
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const message = JSON.parse(line) as { ready?: boolean; port?: number };
          if (message.ready && message.port) {
            clearTimeout(timer);
            resolve(message.port);
          }
        } catch {
          // Anything that is not the ready line is the app's own output; logging is off, so rare.
        }
      });
    });
    return new BenchServer(options.adapter, port, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** User plus system CPU time of the whole process so far, in microseconds. */
  cpuMicros(): number {
    return processCpuMicros(this.pid);
  }

  /** Resident set size, in bytes. */
  rssBytes(): number {
    return processRssBytes(this.pid);
  }

  /**
   * Waits until the server has stopped burning CPU. A run that ends with requests still queued (the
   * argon2 rows always do) leaves work behind that must not be billed to the next row.
   */
  async settle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let previous = this.cpuMicros();
    while (Date.now() < deadline) {
      await sleep(50);
      const now = this.cpuMicros();
      // One clock tick (10 ms) in 50 ms is noise of the tick counter, not work.
      if (now - previous <= 10_000) return;
      previous = now;
    }
  }

  async getJson<T>(path: string): Promise<T> {
    return checkedJson<T>(await fetch(this.url(path)));
  }

  async postJson<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(this.url(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return checkedJson<T>(response);
  }

  /** A POST whose answer has no body. */
  async post(path: string): Promise<void> {
    const response = await fetch(this.url(path), { method: 'POST' });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

async function checkedJson<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
