// Regenerates libs/auth/data/common-passwords.txt.gz, the list CommonPasswordValidator checks, from the
// ranked passwords of the MIT-licensed @zxcvbn-ts/language-common package (not a dependency):
//
//   cd /tmp && npm pack @zxcvbn-ts/language-common && tar xzf zxcvbn-ts-language-common-*.tgz
//   node scripts/build-common-passwords.mjs /tmp/package [--top 20000]
//
// One password a line, lower-cased and trimmed (the validator compares that way), most common first.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { URL } from 'node:url';
import { gzipSync } from 'node:zlib';

const [packageDirectory, ...rest] = process.argv.slice(2);
const topFlag = rest.indexOf('--top');
const top = topFlag === -1 ? 20_000 : Number(rest[topFlag + 1]);
if (!packageDirectory || !Number.isInteger(top) || top < 1) {
  process.stderr.write(
    'usage: node scripts/build-common-passwords.mjs <extracted @zxcvbn-ts/language-common> [--top N]\n',
  );
  process.exit(1);
}

const manifest = JSON.parse(readFileSync(join(packageDirectory, 'package.json'), 'utf8'));
if (manifest.name !== '@zxcvbn-ts/language-common') {
  process.stderr.write(`${packageDirectory} is ${manifest.name}, not @zxcvbn-ts/language-common\n`);
  process.exit(1);
}
const ranked = JSON.parse(readFileSync(join(packageDirectory, 'src/passwords.json'), 'utf8'));
const passwords = [];
const seen = new Set();
for (const entry of ranked) {
  const password = String(entry).trim().toLowerCase();
  if (password.length === 0 || seen.has(password)) continue;
  seen.add(password);
  passwords.push(password);
  if (passwords.length === top) break;
}

const target = new URL('../libs/auth/data/common-passwords.txt.gz', import.meta.url);
// Level 9 and gzip's zero mtime keep the file byte-identical across runs of the same input.
writeFileSync(target, gzipSync(`${passwords.join('\n')}\n`, { level: 9 }));
process.stdout.write(
  `Wrote the ${passwords.length} most common passwords of ${manifest.name} ${manifest.version} to ${target.pathname}\n`,
);
