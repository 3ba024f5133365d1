// Packs the library as `npm publish` would, checks what the tarball holds, then compiles a strict user
// app against it (scripts/package-consumer: skipLibCheck off, every entry point, no ioredis) and loads
// the root and migrations entry points without nest-commander installed. Run by .ci/run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

const root = path.resolve(import.meta.dirname, '..');
const library = path.join(root, 'libs/auth');
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-package-'));
const problems = [];

try {
  execFileSync('npm', ['pack', '--silent', '--pack-destination', temp], {
    cwd: library,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = path.join(
    temp,
    fs.readdirSync(temp).find((name) => name.endsWith('.tgz')),
  );
  const consumer = path.join(temp, 'consumer');
  const installed = path.join(consumer, 'node_modules/portcullis');
  fs.mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);

  // What the tarball holds.
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((name) => name.replace(/^package\//, ''));
  for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/cli/index.js']) {
    if (!files.includes(required)) problems.push(`the tarball lacks ${required}`);
  }
  for (const file of files) {
    if (!/^(dist|data)\//.test(file) && !['package.json', 'README.md', 'LICENSE'].includes(file)) {
      problems.push(`the tarball ships ${file}`);
    }
    if (file.endsWith('.tsbuildinfo')) problems.push(`the tarball ships ${file}`);
    const text = () => fs.readFileSync(path.join(installed, file), 'utf8');
    if (file.endsWith('.map')) {
      const map = JSON.parse(text());
      if (map.sources.length !== map.sourcesContent?.filter((source) => source).length) {
        problems.push(`${file} points at sources the package does not ship`);
      }
    }
    if (file.startsWith('dist/') && !file.startsWith('dist/cli/') && /\.(js|d\.ts)$/.test(file)) {
      if (
        /^\s*(import|export)\b.*['"]nest-commander['"]|import\(['"]nest-commander['"]\)/m.test(
          text(),
        )
      ) {
        problems.push(`${file} imports nest-commander outside portcullis/cli`);
      }
    }
    if (
      file.endsWith('.d.ts') &&
      /^\s*(import|export)\b.*['"]ioredis['"]|import\(['"]ioredis['"]\)/m.test(text())
    ) {
      problems.push(`${file} needs ioredis' types`);
    }
  }

  // A user's app: the package's dependencies and required peers, plus nest-commander for
  // portcullis/cli; linked from the workspace's node_modules instead of downloaded.
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  const optional = Object.keys(manifest.peerDependenciesMeta ?? {});
  const present = [
    ...Object.keys(manifest.dependencies),
    ...Object.keys(manifest.peerDependencies).filter((name) => !optional.includes(name)),
    '@types/node',
    'better-sqlite3',
  ];
  const link = (name) => {
    const target = path.join(consumer, 'node_modules', name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules', name), target, 'dir');
  };
  [...present, 'nest-commander'].forEach(link);
  fs.writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  fs.writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2023'],
        types: ['node'],
        strict: true,
        skipLibCheck: false,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        noEmit: true,
      },
      files: ['index.ts'],
    }),
  );
  fs.copyFileSync(
    path.join(root, 'scripts/package-consumer/index.ts'),
    path.join(consumer, 'index.ts'),
  );
  try {
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', consumer, '--pretty', 'false'],
      { encoding: 'utf8', stdio: 'pipe' },
    );
  } catch (error) {
    problems.push(`a strict consumer does not compile:\n${error.stdout}${error.stderr}`);
  }

  // Without the optional peers, the root and migrations entry points load.
  fs.rmSync(path.join(consumer, 'node_modules/nest-commander'));
  try {
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "await import('reflect-metadata'); await import('portcullis'); await import('portcullis/migrations');",
      ],
      { cwd: consumer, encoding: 'utf8', stdio: 'pipe' },
    );
  } catch (error) {
    problems.push(`portcullis does not load without nest-commander and ioredis:\n${error.stderr}`);
  }

  if (problems.length) {
    process.stderr.write(`check-package: ${problems.length} problem(s)\n${problems.join('\n')}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `check-package: ${files.length} files in the tarball; a strict consumer compiles against it.\n`,
    );
  }
} finally {
  fs.rmSync(temp, { recursive: true, force: true });
}
