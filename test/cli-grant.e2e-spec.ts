import { Module, type INestApplicationContext } from '@nestjs/common';
import { CommandFactory, CommandRunnerService, InquirerService } from 'nest-commander';
import { AuthModule, PasswordHasher, PermissionService, User, UserService } from 'portcullis';
import { AUTH_COMMANDS, CreateSuperuserCommand, GrantCommand } from 'portcullis/cli';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureOutput, withTty } from './support/cli-output.js';
import { TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/**
 * The commands run in an application context built by nest-commander's CommandFactory, as `src/cli.ts`
 * builds it: with its InquirerService and commander, so flags can also be parsed from an argv.
 */
describe('the grant and createsuperuser commands', () => {
  let app: INestApplicationContext;
  let database: TestDatabase;
  let grants: PermissionService;
  let users: UserService<User>;
  let stdout: string[];
  let stderr: string[];
  let aliceId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    @Module({
      imports: [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({ jwt: { secret: TEST_JWT_SECRET } }),
      ],
      providers: [...AUTH_COMMANDS],
    })
    class CliFixtureModule {}
    app = await CommandFactory.createWithoutRunning(CliFixtureModule, { logger: false });
    grants = app.get(PermissionService);
    users = app.get<UserService<User>>(UserService);
    aliceId = String((await users.createUser({ username: 'Alice', password: null })).id);
    await grants.ensureGroup('member', ['notes.read']);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    delete process.env.PORTCULLIS_SUPERUSER_PASSWORD;
  });

  function capture() {
    ({ stdout, stderr } = captureOutput());
  }

  async function grant(flags: Record<string, unknown>) {
    capture();
    await app.get(GrantCommand).run([], flags);
    vi.restoreAllMocks();
  }

  async function createSuperuser(flags: Record<string, unknown>) {
    capture();
    await app.get(CreateSuperuserCommand).run([], flags);
    vi.restoreAllMocks();
  }

  /** Succeeded: one line on standard error, nothing on standard output. */
  function confirmed(line: string) {
    expect(process.exitCode).toBeUndefined();
    expect(stdout).toEqual([]);
    expect(stderr).toEqual([`${line}\n`]);
  }

  /** Failed: exit code 1, one line naming the reason on standard error, nothing on standard output. */
  function failed(reason: string) {
    expect(process.exitCode).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain(reason);
    expect(stderr[0].trim().split('\n')).toHaveLength(1);
  }

  describe('grant', () => {
    it('grants a permission to a user and revokes it', async () => {
      await grant({ username: 'ALICE', permission: 'notes.delete' });
      confirmed('Granted notes.delete to user ALICE.');
      expect(await grants.directPermissionsOf(aliceId)).toEqual(['notes.delete']);
      await grant({ username: 'alice', permission: 'notes.delete' });
      expect(await grants.directPermissionsOf(aliceId)).toEqual(['notes.delete']);
      await grant({ username: 'alice', permission: 'notes.delete', revoke: true });
      confirmed('Revoked notes.delete from user alice.');
      expect(await grants.directPermissionsOf(aliceId)).toEqual([]);
    });

    it('grants a permission to a group, creating it if missing, and revokes it', async () => {
      await grant({ group: 'member', permission: 'notes.delete' });
      confirmed('Granted notes.delete to group member.');
      await grant({ group: 'editors', permission: 'notes.write' });
      confirmed('Granted notes.write to group editors (group created).');
      expect(await grants.listGroups()).toEqual([
        { name: 'editors', permissions: ['notes.write'] },
        { name: 'member', permissions: ['notes.delete', 'notes.read'] },
      ]);
      await grant({ group: 'member', permission: 'notes.delete', revoke: true });
      confirmed('Revoked notes.delete from group member.');
      expect((await grants.listGroups())[1]).toEqual({
        name: 'member',
        permissions: ['notes.read'],
      });
    });

    it('puts a user in a group and takes them out', async () => {
      await grant({ username: 'alice', group: 'member' });
      confirmed('Added user alice to group member.');
      expect(await grants.groupsOf(aliceId)).toEqual(['member']);
      expect([...(await grants.permissionsOfUserId(aliceId))]).toEqual(['notes.read']);
      await grant({ username: 'alice', group: 'member', revoke: true });
      confirmed('Removed user alice from group member.');
      expect(await grants.groupsOf(aliceId)).toEqual([]);
    });

    it.each([
      [{}, 'give --username or --group'],
      [{ permission: 'notes.read' }, 'give --username or --group'],
      [{ revoke: true }, 'give --username or --group'],
      [{ username: 'alice' }, 'nothing to grant'],
      [{ group: 'member' }, 'nothing to grant'],
      [
        { username: 'alice', group: 'member', permission: 'notes.read' },
        'give --permission with either --username or --group',
      ],
      [{ username: 'nobody', permission: 'notes.read' }, 'no user nobody'],
      [
        { username: 'alice', permission: 'Notes Read' },
        '"Notes Read" is not a permission codename',
      ],
      [{ group: 'member', permission: 'notes' }, '"notes" is not a permission codename'],
      [{ group: 'bad name', permission: 'notes.read' }, '"bad name" is not a group name'],
      [{ username: 'alice', group: 'nobody' }, 'no group nobody'],
      [{ username: 'alice', group: 'nobody', revoke: true }, 'no group nobody'],
      [{ group: 'nobody', permission: 'notes.read', revoke: true }, 'no group nobody'],
    ])('fails with exit code 1 and a one-line reason: %o', async (flags, reason) => {
      const before = await grants.listGroups();
      await grant(flags);
      failed(`grant: ${reason}`);
      expect(await grants.listGroups()).toEqual(before);
    });

    it('parses its flags through commander, --revoke included', async () => {
      const runner = app.get(CommandRunnerService);
      capture();
      await runner.run(['node', 'cli', 'grant', '--group', 'member', '--permission', 'notes.x']);
      await runner.run([
        'node',
        'cli',
        'grant',
        '--group=member',
        '--permission=notes.x',
        '--revoke',
      ]);
      vi.restoreAllMocks();
      expect(process.exitCode).toBeUndefined();
      expect(stdout).toEqual([]);
      expect(stderr).toEqual([
        'Granted notes.x to group member.\n',
        'Revoked notes.x from group member.\n',
      ]);
    });
  });

  describe('createsuperuser', () => {
    it('--no-input: creates a staff superuser with the password from the environment', async () => {
      process.env.PORTCULLIS_SUPERUSER_PASSWORD = PASSWORD;
      await createSuperuser({ username: 'Root', email: 'root@example.test', input: false });
      const root = await users.findByHandle('root', { withPasswordHash: true });
      expect(root).toMatchObject({
        username: 'root',
        email: 'root@example.test',
        isSuperuser: true,
        isStaff: true,
        isActive: true,
      });
      confirmed(`Created superuser root (id ${root!.id}).`);
      expect(await app.get(PasswordHasher).verify(root!.passwordHash!, PASSWORD)).toBe(true);
    });

    it('parses --no-input through commander', async () => {
      process.env.PORTCULLIS_SUPERUSER_PASSWORD = PASSWORD;
      capture();
      await app
        .get(CommandRunnerService)
        .run(['node', 'cli', 'createsuperuser', '--username', 'ops', '--no-input']);
      vi.restoreAllMocks();
      expect(process.exitCode).toBeUndefined();
      expect(stdout).toEqual([]);
      expect(stderr[0]).toMatch(/^Created superuser ops \(id \d+\)\.\n$/);
      expect(await users.findByHandle('ops')).toMatchObject({ isSuperuser: true, isStaff: true });
    });

    it('asks for the password twice on a terminal', async () => {
      await withTty(true, async () => {
        const inquirer = app.get(InquirerService);
        const ask = vi
          .spyOn(inquirer, 'ask')
          .mockResolvedValue({ password: PASSWORD, confirmation: PASSWORD });
        capture();
        await app.get(CreateSuperuserCommand).run([], { username: 'asked' });
        vi.restoreAllMocks();
        expect(ask).toHaveBeenCalledWith('portcullis-password', undefined);
        expect(process.exitCode).toBeUndefined();
        expect(await users.findByHandle('asked')).toMatchObject({ isSuperuser: true });

        vi.spyOn(inquirer, 'ask').mockResolvedValue({ password: PASSWORD, confirmation: 'typo' });
        capture();
        await app.get(CreateSuperuserCommand).run([], { username: 'mistyped' });
        vi.restoreAllMocks();
        failed('createsuperuser: the passwords differ');
        expect(await users.findByHandle('mistyped')).toBeNull();
      });
    });

    it.each([
      [{ input: false }, PASSWORD, '--username is required'],
      [
        { username: 'nopass', input: false },
        undefined,
        '--no-input needs the password in PORTCULLIS_SUPERUSER_PASSWORD',
      ],
      [
        { username: 'nopass', input: false },
        '',
        '--no-input needs the password in PORTCULLIS_SUPERUSER_PASSWORD',
      ],
      [
        { username: 'long', input: false },
        'x'.repeat(1025),
        'This password is too long: use at most 1024 bytes',
      ],
      [{ username: 'alice', input: false }, PASSWORD, 'a user alice already exists'],
      [{ username: ' ', input: false }, PASSWORD, 'username must be a non-empty string'],
      [
        { username: 'x'.repeat(151), input: false },
        PASSWORD,
        'username must be at most 150 characters',
      ],
      [
        { username: 'mail', email: 'not-an-address', input: false },
        PASSWORD,
        'email must be an email address',
      ],
      [{ username: 'notty' }, PASSWORD, 'no terminal to ask for the password on: use --no-input'],
    ] as Array<[Record<string, unknown>, string | undefined, string]>)(
      'fails with exit code 1 and a one-line reason: %o',
      async (flags, password, reason) => {
        if (password !== undefined) process.env.PORTCULLIS_SUPERUSER_PASSWORD = password;
        await withTty(false, () => createSuperuser(flags));
        failed(`createsuperuser: ${reason}`);
        if (typeof flags.username === 'string' && flags.username !== 'alice') {
          expect(await users.findByHandle(flags.username)).toBeNull();
        }
        expect(await users.findByHandle('alice')).toMatchObject({ isSuperuser: false });
      },
    );
  });
});
