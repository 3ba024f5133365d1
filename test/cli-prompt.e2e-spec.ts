import * as argon2 from 'argon2';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from './support/test-app.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STRONG = 'correct horse battery';
const NEWER = 'zebra crossing at dawn';

// script(1) runs the CLI on a pseudo-terminal, so stdin.isTTY is true and the prompts behave exactly
// as for a person. util-linux (Linux) and BSD (macOS) script take different arguments.
const UTIL_LINUX_SCRIPT = /util-linux/.test(
  spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout ?? '',
);

function onTerminal(command: string): [string, string[]] {
  return UTIL_LINUX_SCRIPT
    ? ['script', ['-qfec', command, '/dev/null']]
    : ['script', ['-q', '/dev/null', 'sh', '-c', command]];
}

interface CliRun {
  code: number | null;
  /** Everything the terminal showed (standard output and error together), without colour codes. */
  output: string;
}

function shellQuote(argument: string): string {
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/**
 * The built example CLI (`node dist/cli.js ...`, what `npm run cli` runs) against `databaseUrl`,
 * answering each prompt in `answers` ([prompt, answer]) when it appears on the terminal.
 */
function runCli(
  databaseUrl: string,
  args: string[],
  answers: Array<[prompt: string, answer: string]> = [],
  extraEnv: Record<string, string> = {},
): Promise<CliRun> {
  const command = ['node', 'dist/cli.js', ...args].map(shellQuote).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  env.DATABASE_URL = databaseUrl;
  env.AUTH_JWT_SECRET = TEST_JWT_SECRET;
  for (const name of ['PORTCULLIS_PASSWORD', 'PORTCULLIS_SUPERUSER_PASSWORD']) {
    if (!(name in extraEnv)) delete env[name];
  }
  const [program, programArgs] = onTerminal(command);
  const child = spawn(program, programArgs, { cwd: ROOT, env });
  const pending = [...answers];
  let shown = '';
  let unanswered = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not finish; the terminal showed:\n${shown}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      const text = stripVTControlCharacters(chunk.toString('utf8'));
      shown += text;
      unanswered += text;
      const next = pending[0];
      const at = next ? unanswered.indexOf(next[0]) : -1;
      if (next && at !== -1) {
        pending.shift();
        unanswered = unanswered.slice(at + next[0].length);
        // A person types the answer and presses Enter, which a terminal sends as a carriage return.
        child.stdin.write(`${next[1]}\r`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: shown });
    });
  });
}

/** The lines the command printed that start with its name: its one-line reason for failing. */
function reasons(run: CliRun, command: string): string[] {
  return run.output.split(/\r?\n/).filter((line) => line.startsWith(`${command}:`));
}

describe('the built CLI on a terminal (createsuperuser, changepassword)', () => {
  let directory: string;
  let databaseUrl: string;

  /** The user's row as the CLI left it, read straight from the SQLite file. */
  async function storedUser(username: string) {
    const database = new DataSource({
      type: 'better-sqlite3',
      database: join(directory, 'cli.sqlite'),
    });
    await database.initialize();
    try {
      const [row] = await database.query(
        'SELECT "passwordHash", "isSuperuser", "isStaff" FROM "users" WHERE "username" = ?',
        [username],
      );
      return row as { passwordHash: string; isSuperuser: number; isStaff: number } | undefined;
    } finally {
      await database.destroy();
    }
  }

  beforeAll(() => {
    // The CLI runs from dist/: build it (tsc -b only redoes what changed since the last build).
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) {
      throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
    }
    directory = mkdtempSync(join(tmpdir(), 'portcullis-cli-'));
    databaseUrl = `sqlite:${join(directory, 'cli.sqlite')}`;
  }, 300_000);

  afterAll(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  const PROMPTS = ['Password:', 'Password (again):'] as const;
  const typed = (first: string, second = first): Array<[string, string]> => [
    [PROMPTS[0], first],
    [PROMPTS[1], second],
  ];

  it('createsuperuser asks for the password twice, masked, and creates the superuser', async () => {
    const run = await runCli(
      databaseUrl,
      ['createsuperuser', '--username', 'admin'],
      typed(STRONG),
    );
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('Password (again):');
    expect(run.output).toMatch(/Created superuser admin \(id \d+\)\./);
    expect(run.output).not.toContain(STRONG);
    const admin = await storedUser('admin');
    expect(admin).toMatchObject({ isSuperuser: 1, isStaff: 1 });
    expect(await argon2.verify(admin!.passwordHash, STRONG)).toBe(true);
  });

  it('createsuperuser without --username asks for the handle by its field name', async () => {
    const run = await runCli(
      databaseUrl,
      ['createsuperuser'],
      [['username:', 'Asked'], ...typed(STRONG)],
    );
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/Created superuser asked \(id \d+\)\./);
    expect(await storedUser('asked')).toMatchObject({ isSuperuser: 1, isStaff: 1 });
  });

  it('createsuperuser refuses a weak password with exit code 1 and a one-line reason', async () => {
    const run = await runCli(
      databaseUrl,
      ['createsuperuser', '--username', 'weakling'],
      typed('12345678'),
    );
    expect(run.code, run.output).toBe(1);
    expect(reasons(run, 'createsuperuser')).toEqual([
      'createsuperuser: This password is too common: it is among the first an attacker would try. Choose something less predictable. This password is entirely numeric: add letters or symbols.',
    ]);
    expect(await storedUser('weakling')).toBeUndefined();
  });

  it('createsuperuser refuses an existing username before asking for a password', async () => {
    const run = await runCli(databaseUrl, ['createsuperuser', '--username', 'ADMIN']);
    expect(run.code, run.output).toBe(1);
    expect(reasons(run, 'createsuperuser')).toEqual([
      'createsuperuser: a user ADMIN already exists',
    ]);
    expect(run.output).not.toContain('Password:');
  });

  it('changepassword asks for the new password twice and replaces the old one', async () => {
    const run = await runCli(databaseUrl, ['changepassword', '--username', 'admin'], typed(NEWER));
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('Changing the password of admin.');
    expect(run.output).toContain(
      'Changed the password of admin; all of their sessions have ended.',
    );
    expect(run.output).not.toContain(NEWER);
    const { passwordHash } = (await storedUser('admin'))!;
    expect(await argon2.verify(passwordHash, NEWER)).toBe(true);
    expect(await argon2.verify(passwordHash, STRONG)).toBe(false);
  });

  it('changepassword fails when the confirmation differs, and changes nothing', async () => {
    const before = (await storedUser('admin'))!.passwordHash;
    const run = await runCli(
      databaseUrl,
      ['changepassword', '--username', 'admin'],
      typed(STRONG, `${STRONG}!`),
    );
    expect(run.code, run.output).toBe(1);
    expect(reasons(run, 'changepassword')).toEqual(['changepassword: the passwords differ']);
    expect((await storedUser('admin'))!.passwordHash).toBe(before);
  });

  it('changepassword --no-input reads PORTCULLIS_PASSWORD, and names an unknown user', async () => {
    const done = await runCli(
      databaseUrl,
      ['changepassword', '--username', 'admin', '--no-input'],
      [],
      {
        PORTCULLIS_PASSWORD: STRONG,
      },
    );
    expect(done.code, done.output).toBe(0);
    expect(await argon2.verify((await storedUser('admin'))!.passwordHash, STRONG)).toBe(true);

    const unknown = await runCli(
      databaseUrl,
      ['changepassword', '--username', 'nobody', '--no-input'],
      [],
      {
        PORTCULLIS_PASSWORD: STRONG,
      },
    );
    expect(unknown.code, unknown.output).toBe(1);
    expect(reasons(unknown, 'changepassword')).toEqual(['changepassword: no user nobody']);
  });
});
