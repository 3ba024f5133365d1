import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from 'portcullis';
import {
  BENCH_API_KEY_PEPPER,
  BENCH_JWT_CLAIMS,
  BENCH_JWT_SECRET,
  BENCH_TOKEN_TTL_SECONDS,
} from '../bench.constants.js';
import { BenchControlController } from './bench-control.controller.js';
import { BenchCredentialsService } from './bench-credentials.service.js';
import { BENCH_JWT_KEYS } from './bench-jwt-keys.js';
import { DocsJwtStrategy } from './docs-recipes/docs-jwt.strategy.js';
import { rowControllers } from './row-controllers.js';

/**
 * The application under load: Portcullis configured the way the README shows, the two docs recipes
 * beside it, and one route per row.
 */
@Module({
  imports: [
    // In-memory SQLite: the per-request user lookup is measured without disk noise between runs.
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: ':memory:',
      autoLoadEntities: true,
      synchronize: true,
    }),
    AuthModule.forRoot({
      jwt: {
        keys: BENCH_JWT_KEYS,
        ...BENCH_JWT_CLAIMS,
        accessTokenTtl: BENCH_TOKEN_TTL_SECONDS,
      },
      apiKeys: { pepper: BENCH_API_KEY_PEPPER },
      // The login storm (50 connections) and the Basic row (8) send the right password for one account
      // from one address, many at once. Each attempt is counted before its password is checked, so the
      // default budgets (5 per handle, 50 per address) would answer most of them 429, as they should for
      // a real account. Budgets that are never reached keep the counting measured without the 429s.
      throttle: {
        loginPerHandle: { limit: 1_000_000_000, window: 900 },
        loginPerAddress: { limit: 1_000_000_000, window: 900 },
      },
      routes: true,
    }),
    PassportModule,
    JwtModule.register({
      secret: BENCH_JWT_SECRET,
      signOptions: { expiresIn: BENCH_TOKEN_TTL_SECONDS },
    }),
  ],
  controllers: [...rowControllers(), BenchControlController],
  providers: [DocsJwtStrategy, BenchCredentialsService],
})
export class BenchAppModule {}
