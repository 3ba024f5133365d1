import { Module, type INestApplicationContext } from '@nestjs/common';
import { CommandFactory, CommandRunnerService, InquirerService } from 'nest-commander';
import {
  AbstractUser,
  AuthModule,
  EmailNotVerifiedException,
  LogMailer,
  PasswordBackend,
  PasswordHasher,
  User,
  UserService,
} from 'portcullis';
import { AUTH_COMMANDS, CreateSuperuserCommand } from 'portcullis/cli';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureOutput, withTty } from './support/cli-output.js';
import { TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/** An email-handle entity with no username column. */
@Entity('staff_accounts')
class StaffAccount extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
}

/**
 * `createsuperuser` when the login handle is the email (`usernameField: 'email'`), run in an
 * application context built by nest-commander's CommandFactory, as `src/cli.ts` builds it.
 */
describe.each([
  ['an entity without a username column', StaffAccount],
  ['the built-in User, whose username column must be set', User],
] as const)('createsuperuser with usernameField email, %s', (_label, userEntity) => {
  let app: INestApplicationContext;
  let database: TestDatabase;
  let users: UserService<{ id: string | number; email: string; username?: string }>;
  let stdout: string[];
  let stderr: string[];
  const hasUsername = userEntity === User;

  beforeAll(async () => {
    database = await createTestDatabase();
    @Module({
      imports: [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          userEntity,
          usernameField: 'email',
          jwt: { secret: TEST_JWT_SECRET },
        }),
      ],
      providers: [...AUTH_COMMANDS],
    })
    class EmailCliFixtureModule {}
    app = await CommandFactory.createWithoutRunning(EmailCliFixtureModule, { logger: false });
    users = app.get(UserService);
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

  async function createSuperuser(flags: Record<string, unknown>) {
    ({ stdout, stderr } = captureOutput());
    await withTty(false, () => app.get(CreateSuperuserCommand).run([], flags));
    vi.restoreAllMocks();
  }

  function failed(reason: string) {
    expect(process.exitCode).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toBe(`createsuperuser: ${reason}\n`);
  }

  it(`creates the superuser from --email${hasUsername ? ' and --username' : ' alone'}`, async () => {
    process.env.PORTCULLIS_SUPERUSER_PASSWORD = PASSWORD;
    const flags = hasUsername
      ? { email: 'Root@Example.test', username: 'Root', input: false }
      : { email: 'Root@Example.test', input: false };
    await createSuperuser(flags);
    const root = await users.findByHandle('root@example.test', { withPasswordHash: true });
    expect(root).toMatchObject({
      email: 'root@example.test',
      isSuperuser: true,
      isStaff: true,
      isActive: true,
    });
    if (hasUsername) expect(root!.username).toBe('root');
    expect(process.exitCode).toBeUndefined();
    expect(stdout).toEqual([]);
    expect(stderr).toEqual([`Created superuser root@example.test (id ${root!.id}).\n`]);
    const hash = (root as unknown as { passwordHash: string }).passwordHash;
    expect(await app.get(PasswordHasher).verify(hash, PASSWORD)).toBe(true);
  });

  it('parses --email through commander', async () => {
    process.env.PORTCULLIS_SUPERUSER_PASSWORD = PASSWORD;
    ({ stdout, stderr } = captureOutput());
    const argv = ['node', 'cli', 'createsuperuser', '--email', 'ops@example.test', '--no-input'];
    if (hasUsername) argv.push('--username', 'ops');
    await app.get(CommandRunnerService).run(argv);
    vi.restoreAllMocks();
    expect(process.exitCode).toBeUndefined();
    expect(stderr[0]).toMatch(/^Created superuser ops@example\.test \(id [0-9a-f-]+\)\.\n$/);
    expect(await users.findByHandle('ops@example.test')).toMatchObject({ isSuperuser: true });
  });

  it('asks for the email by name on a terminal when no --email is given', async () => {
    await withTty(true, async () => {
      const inquirer = app.get(InquirerService);
      const ask = vi
        .spyOn(inquirer, 'ask')
        .mockImplementation((async (name: string) =>
          name === 'portcullis-handle'
            ? { handle: 'asked@example.test' }
            : { password: PASSWORD, confirmation: PASSWORD }) as never);
      ({ stdout, stderr } = captureOutput());
      await app.get(CreateSuperuserCommand).run([], hasUsername ? { username: 'asked' } : {});
      vi.restoreAllMocks();
      expect(ask.mock.calls.map(([name]) => name)).toEqual([
        'portcullis-handle',
        'portcullis-password',
      ]);
    });
    expect(process.exitCode).toBeUndefined();
    expect(await users.findByHandle('asked@example.test')).toMatchObject({ isSuperuser: true });
  });

  it('refuses an existing email before asking for a password', async () => {
    await createSuperuser({ email: 'ROOT@example.test', username: hasUsername ? 'x' : undefined });
    failed('a user ROOT@example.test already exists');
  });

  it.each([
    [{ username: 'nobody', input: false }, '--email is required (the login handle, email)'],
    [{ email: 'not-an-address', username: 'y', input: false }, 'email must be an email address.'],
  ])('fails with a one-line reason: %o', async (flags, reason) => {
    process.env.PORTCULLIS_SUPERUSER_PASSWORD = PASSWORD;
    await createSuperuser(hasUsername ? flags : { ...flags, username: undefined });
    failed(reason);
  });

  if (hasUsername) {
    it('needs --username too, the column being required, before asking for a password', async () => {
      process.env.PORTCULLIS_SUPERUSER_PASSWORD = PASSWORD;
      await createSuperuser({ email: 'nouser@example.test', input: false });
      failed("--username is required too: the user entity's username column must be set");
      expect(await users.findByHandle('nouser@example.test')).toBeNull();
    });

    it('says a taken username is taken', async () => {
      process.env.PORTCULLIS_SUPERUSER_PASSWORD = PASSWORD;
      await createSuperuser({ email: 'other@example.test', username: 'ROOT', input: false });
      failed('a user other@example.test or ROOT already exists');
    });
  } else {
    it('refuses --username: the entity has no such column, and the handle is --email', async () => {
      process.env.PORTCULLIS_SUPERUSER_PASSWORD = PASSWORD;
      await createSuperuser({ email: 'named@example.test', username: 'named', input: false });
      failed(
        'the user entity has no username column; the login handle is the email address: give it as --email',
      );
      await createSuperuser({ username: 'named@example.test', input: false });
      failed(
        'the user entity has no username column; the login handle is the email address: give it as --email',
      );
      expect(await users.findByHandle('named@example.test')).toBeNull();
    });
  }
});

describe('createsuperuser with requireVerifiedEmail', () => {
  let app: INestApplicationContext;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    @Module({
      imports: [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          userEntity: StaffAccount,
          usernameField: 'email',
          routes: true,
          emailVerification: true,
          requireVerifiedEmail: true,
          mail: { transport: new LogMailer(), from: 'ops@example.test', appUrl: 'http://app.test' },
          jwt: { secret: TEST_JWT_SECRET },
        }),
      ],
      providers: [...AUTH_COMMANDS],
    })
    class VerifiedCliFixtureModule {}
    app = await CommandFactory.createWithoutRunning(VerifiedCliFixtureModule, {
      logger: false,
      abortOnError: false,
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    delete process.env.PORTCULLIS_SUPERUSER_PASSWORD;
    process.exitCode = undefined;
  });

  it('counts the address the operator typed as verified, so the superuser can sign in', async () => {
    process.env.PORTCULLIS_SUPERUSER_PASSWORD = PASSWORD;
    const { stderr } = captureOutput();
    await withTty(false, () =>
      app.get(CreateSuperuserCommand).run([], { email: 'boss@example.test', input: false }),
    );
    vi.restoreAllMocks();
    expect(stderr[0]).toMatch(/^Created superuser boss@example\.test/);
    const user = await app.get(PasswordBackend).authenticate('boss@example.test', PASSWORD);
    expect(user).toMatchObject({ email: 'boss@example.test', isSuperuser: true });
    // A user made otherwise (not by the operator) is still held to verification.
    await app
      .get<UserService<StaffAccount>>(UserService)
      .createUser({ email: 'other@example.test', password: PASSWORD });
    await expect(
      app.get(PasswordBackend).authenticate('other@example.test', PASSWORD),
    ).rejects.toBeInstanceOf(EmailNotVerifiedException);
  });
});
