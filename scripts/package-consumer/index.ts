// A user's app, compiled by scripts/check-package.mjs against the packed library with skipLibCheck off.
// It uses every entry point, and neither ioredis nor its types are installed beside it.
import 'reflect-metadata';
import 'portcullis/augment';
import { Controller, Get, Module, Req, UseGuards } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AbstractUser,
  AuthGuard,
  AuthModule,
  CurrentUser,
  RedisThrottleStore,
  type RedisClient,
  type RequestUser,
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
}

const migrations: MigrationClass[] = portcullisMigrations({ includeUserTable: false });

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: ':memory:',
      autoLoadEntities: true,
      migrations,
      migrationsRun: true,
    }),
    AuthModule.forRoot({ userEntity: Account, usernameField: 'email', routes: true }),
  ],
  controllers: [MeController],
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
