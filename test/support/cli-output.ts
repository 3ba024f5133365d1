import { vi } from 'vitest';

/** What a command wrote while its output was captured. */
export interface CapturedOutput {
  stdout: string[];
  stderr: string[];
}

/**
 * Collects everything written to standard output and error instead of printing it, until
 * `vi.restoreAllMocks()`.
 */
export function captureOutput(): CapturedOutput {
  const captured: CapturedOutput = { stdout: [], stderr: [] };
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    captured.stdout.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    captured.stderr.push(String(chunk));
    return true;
  });
  return captured;
}

/** Runs `work` with `process.stdin.isTTY` set, whatever the terminal running the tests is. */
export async function withTty(isTTY: boolean, work: () => Promise<void>): Promise<void> {
  const own = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
  Object.defineProperty(process.stdin, 'isTTY', { value: isTTY, configurable: true });
  try {
    await work();
  } finally {
    if (own) Object.defineProperty(process.stdin, 'isTTY', own);
    else delete (process.stdin as { isTTY?: boolean }).isTTY;
  }
}
