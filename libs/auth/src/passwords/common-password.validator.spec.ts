import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CommonPasswordValidator } from './common-password.validator.js';

describe('CommonPasswordValidator', () => {
  const validator = new CommonPasswordValidator();
  const directory = mkdtempSync(join(tmpdir(), 'portcullis-common-'));

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it.each(['password', '123456', 'qwertyuiop', 'iloveyou', 'trustno1', 'hunter2'])(
    'rejects %s, from the shipped list',
    async (password) => {
      expect(await validator.validate(password)).toBe(
        'This password is too common: it is among the first an attacker would try. Choose something less predictable.',
      );
    },
  );

  it('ignores case and surrounding whitespace', async () => {
    expect(await validator.validate('PassWord')).not.toBeNull();
    expect(await validator.validate('  letmein\t')).not.toBeNull();
  });

  it('accepts a password that is not on the list, or only contains a listed one', async () => {
    expect(await validator.validate('correct horse battery')).toBeNull();
    expect(await validator.validate('password with more words')).toBeNull();
  });

  it('ships at least 20,000 passwords, read from the data folder once', async () => {
    const list = await (validator as unknown as { list(): Promise<ReadonlySet<string>> }).list();
    expect(list.size).toBeGreaterThanOrEqual(20_000);
    const again = await (
      new CommonPasswordValidator() as unknown as { list(): Promise<ReadonlySet<string>> }
    ).list();
    expect(again).toBe(list);
  });

  it('takes a list of its own, plain or gzip, as a path or a file URL', async () => {
    const plain = join(directory, 'banned.txt');
    writeFileSync(plain, 'Portcullis2024\n\n  acme rocks  \n');
    const gzipped = join(directory, 'banned.txt.gz');
    writeFileSync(gzipped, gzipSync('portcullis2024\n'));
    for (const file of [plain, pathToFileURL(gzipped)]) {
      const own = new CommonPasswordValidator({ file });
      expect(await own.validate('PORTCULLIS2024')).not.toBeNull();
      expect(await own.validate('password')).toBeNull();
    }
    expect(
      await new CommonPasswordValidator({ file: plain }).validate('acme rocks'),
    ).not.toBeNull();
  });

  it('fails with the path when its list cannot be read, and tries again next time', async () => {
    const missing = join(directory, 'later.txt');
    const own = new CommonPasswordValidator({ file: missing });
    await expect(own.validate('anything')).rejects.toThrow(
      `CommonPasswordValidator cannot read its password list ${missing}`,
    );
    writeFileSync(missing, 'anything\n');
    expect(await own.validate('anything')).not.toBeNull();
  });
});
