import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from 'portcullis';
import { BENCH_JWT_SECRET, BENCH_TOKEN_TTL_SECONDS } from '../bench.constants.js';
import { BenchControlController } from './bench-control.controller.js';
import { BenchCredentialsService } from './bench-credentials.service.js';
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
      jwt: { secret: BENCH_JWT_SECRET, accessTokenTtl: BENCH_TOKEN_TTL_SECONDS },
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
