// A user's app, compiled by scripts/check-package.mjs against the packed library with skipLibCheck off.
// It uses every entry point, and neither ioredis nor its types are installed beside it.
import 'reflect-metadata';
import 'portcullis/augment';
import { Controller, Get, Injectable, Module, Req, UseGuards } from '@nestjs/common';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AbstractUser,
  AuthGuard,
  AuthModule,
  CurrentUser,
  InvalidTokenException,
  Mailer,
  RedisThrottleStore,
  defaultMailTemplates,
  type MailMessage,
  UserPassesTest,
  type AuthenticatedRequest,
  type AuthRequest,
  type CredentialStrategy,
  type RedisClient,
  type RequestUser,
  type StrategyVerdict,
} from 'portcullis';
import { AUTH_COMMANDS, CreateSuperuserCommand } from 'portcullis/cli';
import {
  portcullisMigrations,
  PortcullisMigrationError,
  type MigrationClass,
} from 'portcullis/migrations';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('accounts')
export class Account extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
}

declare module 'portcullis' {
  interface PortcullisUserRegistry {
    user: Account;
  }
  interface PortcullisAuthInfoRegistry {
    'device-token': { strategy: 'device-token'; device: string };
  }
}

/** An app's own strategy in the chain: sync for "not mine", async once it looks the device up. */
@Injectable()
export class DeviceTokenStrategy implements CredentialStrategy {
  readonly strategyName = 'device-token';

  authenticateRequest(request: AuthRequest): Promise<StrategyVerdict> | undefined {
    const device = request.headers['x-device-token'];
    if (typeof device !== 'string') return undefined;
    return Promise.reject(new InvalidTokenException('Unknown device.'));
  }
}

@UseGuards(AuthGuard)
@Controller('me')
export class MeController {
  @Get()
  show(@CurrentUser() user: RequestUser): { id: string; email: string } {
    // @ts-expect-error: RequestUser is the registered Account, which has no such property.
    void user.nickname;
    return { id: user.id, email: user.email };
  }

  @Get('email')
  email(@Req() request: Express.Request): string | undefined {
    return request.user?.email;
  }

  @Get('how')
  how(@Req() request: AuthenticatedRequest): string {
    const info = request.authInfo;
    if (info.strategy === 'api-key') return info.scopes.join(' ');
    if (info.strategy === 'device-token') return info.device;
    return info.strategy;
  }

  @Get('passport')
  @UseGuards(PassportAuthGuard('portcullis-jwt'))
  passport(): string {
    return 'decided by passport-jwt through Portcullis';
  }

  @Get('editors')
  @UserPassesTest((account: Account) => account.email.endsWith('@editors.example'))
  editors(): string {
    return 'editors only';
  }
}

const migrations: MigrationClass[] = portcullisMigrations({ includeUserTable: false });

/** The app's own mailer: no nodemailer (an optional peer) installed. */
export class OutboxMailer extends Mailer {
  readonly outbox: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.outbox.push(message);
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: ':memory:',
      autoLoadEntities: true,
      migrations,
      migrationsRun: true,
    }),
    AuthModule.forRoot({
      userEntity: Account,
      usernameField: 'email',
      routes: true,
      strategies: ['jwt', DeviceTokenStrategy, 'api-key'],
      passwordReset: true,
      emailVerification: true,
      magicLink: true,
      mail: {
        transport: new OutboxMailer(),
        from: 'no-reply@example.com',
        appUrl: 'https://app.example.com',
        templates: { magic_link: defaultMailTemplates.email_verification },
      },
      jwt: {
        fromRequest: (request: { headers: { authorization?: string } }) =>
          request.headers.authorization?.slice(7) ?? null,
      },
    }),
  ],
  controllers: [MeController],
  providers: [DeviceTokenStrategy],
})
export class AppModule {}

@Module({ imports: [AppModule], providers: [...AUTH_COMMANDS] })
export class CliModule {}

export function throttleStoreOn(client: RedisClient): RedisThrottleStore {
  return new RedisThrottleStore(client, { keyPrefix: 'app:' });
}

export const refusal: Error = new PortcullisMigrationError(
  'a table of that name has other columns',
);
export const command: typeof CreateSuperuserCommand = CreateSuperuserCommand;
